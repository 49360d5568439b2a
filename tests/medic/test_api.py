from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import services as catalog
from core.models import AuditEntry
from medic.models import Report
from tests.factories import TitleFactory, UserFactory, add_file

pytestmark = pytest.mark.django_db

URL = "/api/reports/"


@pytest.fixture
def user_client(client):
    user = UserFactory()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def movie():
    title = TitleFactory()
    return title, add_file(title)


def test_create_then_repeat_returns_the_open_report(user_client, movie):
    title, f = movie
    body = {"title": title.short_id, "file_hash": f.file_hash, "issue": "dead_link", "note": "404"}
    first = user_client.post(URL, body, content_type="application/json")
    assert first.status_code == 201
    data = first.json()
    assert data["target_id"] == title.short_id
    assert data["file_id"] == f.file_hash
    assert data["status"] == "pending"
    assert data["target_type"] == "file"
    assert data["auto_fix_attempted"] is False
    again = user_client.post(URL, body, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == data["id"]
    assert Report.objects.count() == 1
    # Another issue on the same target is another report.
    other = user_client.post(URL, {**body, "issue": "wrong_audio"}, content_type="application/json")
    assert other.status_code == 201
    assert AuditEntry.objects.filter(action="report_create").count() == 2


def test_another_user_gets_their_own_report(client, movie):
    title, _ = movie
    for _ in range(2):
        client.force_login(UserFactory())
        r = client.post(
            URL, {"title": title.short_id, "issue": "dead_link"}, content_type="application/json"
        )
        assert r.status_code == 201
        assert r.json()["target_type"] == "title"
    assert Report.objects.count() == 2


def test_a_visitor_without_a_session_reports_as_a_guest(client, movie):
    title, _ = movie
    r = client.post(
        URL, {"title": title.short_id, "issue": "dead_link"}, content_type="application/json"
    )
    assert r.status_code == 201
    report = Report.objects.get()
    assert report.reported_by.kind == "guest"
    # The same browser (session cookie) sees it in its list, and a repeat is deduplicated.
    mine = client.get(reverse("my-reports")).json()
    assert [x["id"] for x in mine["results"]] == [report.pk]
    again = client.post(
        URL, {"title": title.short_id, "issue": "dead_link"}, content_type="application/json"
    )
    assert again.status_code == 200


def test_csrf_is_enforced_for_a_new_guest(movie):
    from django.test import Client

    title, _ = movie
    r = Client(enforce_csrf_checks=True).post(
        URL, {"title": title.short_id, "issue": "dead_link"}, content_type="application/json"
    )
    assert r.status_code == 403
    assert not Report.objects.exists()


def test_banned_users_cannot_report(client, movie):
    title, _ = movie
    client.force_login(UserFactory(role="banned"))
    r = client.post(
        URL, {"title": title.short_id, "issue": "dead_link"}, content_type="application/json"
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "banned"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "issue": "dead_link"}, "title"),
        ({"title": "AAAAAAA!", "issue": "dead_link"}, "title"),
        ({"issue": "on_fire"}, "issue"),
        ({"issue": "dead_link", "note": "x" * 501}, "note"),
        ({"issue": "dead_link", "season": 1}, "episode"),
        ({"issue": "dead_link", "chapter": "1", "file_hash": "f" * 64}, "chapter"),
    ],
)
def test_bad_input_is_a_400_with_field_errors(user_client, movie, body, field):
    title, _ = movie
    body = {"title": title.short_id, **body} if "title" not in body else body
    r = user_client.post(URL, body, content_type="application/json")
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"issue": "dead_link", "file_hash": "f" * 64}, 404, "not_found"),
        ({"issue": "dead_link", "season": 1, "episode": 1}, 404, "not_found"),  # a movie's
        ({"issue": "dead_link", "chapter": "1"}, 404, "not_found"),
        ({"issue": "missing_pages"}, 409, "report_conflict"),  # a movie has no pages
    ],
)
def test_well_formed_reports_that_do_not_fit_the_title(user_client, movie, body, status, code):
    """The schema accepts these bodies, so they are not a 400: what they name does not exist
    on this title (404), or the issue does not fit it (409)."""
    title, _ = movie
    r = user_client.post(URL, {"title": title.short_id, **body}, content_type="application/json")
    assert r.status_code == status, r.content
    assert r.json()["error"]["code"] == code


def test_unknown_and_banned_titles_are_404(user_client, movie):
    title, _ = movie
    r = user_client.post(
        URL, {"title": "zzzzzzz", "issue": "dead_link"}, content_type="application/json"
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    catalog.title_set_status(title=title, status="banned")
    r = user_client.post(
        URL, {"title": title.short_id, "issue": "dead_link"}, content_type="application/json"
    )
    assert r.status_code == 404


def test_episode_and_chapter_targets(user_client):
    series = TitleFactory(media_type="series")
    ep = catalog.episode_add(series=series, season=1, number=2)
    r = user_client.post(
        URL,
        {"title": series.short_id, "season": 1, "episode": 2, "issue": "out_of_sync"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["episode"] == {"season": 1, "number": 2}
    assert Report.objects.get().episode == ep
    manga = TitleFactory(media_type="manga")
    catalog.chapter_add(manga=manga, number="3.5", backend="local", ref="", pages=[])
    r = user_client.post(
        URL,
        {"title": manga.short_id, "chapter": "3.5", "issue": "missing_pages"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["chapter"] == 3.5
    assert r.json()["target_type"] == "chapter"


def test_reports_are_rate_limited(user_client, movie, settings):
    settings.REPORT_RATE = "2/minute"
    title, _ = movie
    codes = [
        user_client.post(
            URL, {"title": title.short_id, "issue": issue}, content_type="application/json"
        ).status_code
        for issue in ("dead_link", "wrong_audio", "out_of_sync")
    ]
    assert codes == [201, 201, 429]


def test_my_reports_are_paginated_with_bounded_queries(user_client, django_assert_max_num_queries):
    for n in range(30):
        title = TitleFactory()
        Report.objects.create(
            title=title,
            reported_by=user_client.user,
            issue="dead_link",
            target_type="title",
            target_key=f"{title.pk}:::",
            status="fixed" if n % 3 == 0 else "pending",
        )
    Report.objects.create(  # someone else's
        title=title,
        reported_by=UserFactory(),
        issue="dead_link",
        target_type="title",
        target_key=f"{title.pk}:::",
    )
    url = reverse("my-reports")
    with django_assert_max_num_queries(4):
        r = user_client.get(url, {"page_size": 25})
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == 30
    assert len(data["results"]) == 25
    assert {row["status"] for row in data["results"]} == {"fixed", "pending"}
    fixed = user_client.get(url, {"status": "fixed"}).json()
    assert fixed["count"] == 10
    bad = user_client.get(url, {"status": "nope"})
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]
