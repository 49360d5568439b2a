"""A tenant's catalog policy hides what it excludes on every door — lists, search, the title
document, the gatekeeper (streams, packs, pages), subtitles, pages, comments, progress — with
the answer an unknown title gets, at no extra query; the main site still shows everything.
The DMCA shield hides a title with an open copyright report at once, and shows it again when
the report is closed."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import Role
from catalog import services as catalog
from catalog.models import ContentRating, MediaType
from community.services import comment_create, target_resolve
from ingest.chapters import chapter_ingest
from ingest.local import media_ingest
from medic import services as medic
from medic.models import ReportIssue
from tests.factories import StaffFactory, TitleFactory, UserFactory, add_file
from tests.support.signed import signed

pytestmark = pytest.mark.django_db
KIDS = "kids.example"
DEVICE = {"HTTP_X_DEVICE_FINGERPRINT": "device-1"}


@pytest.fixture
def kids(site):
    return site(
        "Kids Corner",
        KIDS,
        allowed_ratings=[ContentRating.SAFE],
        allowed_media_types=[MediaType.MOVIE, MediaType.SERIES],
        hidden_genres=["horror"],
    )


@pytest.fixture
def catalog_titles():
    return {
        "ok": TitleFactory(title="Happy Cartoon", genres=["Animation"]),
        "adult": TitleFactory(title="Grown Drama", content_rating=ContentRating.ADULT),
        "horror": TitleFactory(title="Scary Cartoon", genres=["Horror", "Animation"]),
        "manga": TitleFactory(title="Cartoon Manga", media_type=MediaType.MANGA),
    }


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {card["title"] for card in response.json()["results"]}


def test_lists_and_search_show_only_what_the_policy_allows(
    client, kids, catalog_titles, django_assert_num_queries
):
    everything = {"Happy Cartoon", "Grown Drama", "Scary Cartoon", "Cartoon Manga"}
    assert _ids(client.get("/api/titles/")) == everything
    client.get("/api/site/", HTTP_HOST=KIDS)  # this process loads its tenants once
    with django_assert_num_queries(2):  # COUNT + page, as on the main site
        assert _ids(client.get("/api/titles/", HTTP_HOST=KIDS)) == {"Happy Cartoon"}
    assert _ids(client.get("/api/titles/?search=cartoon", HTTP_HOST=KIDS)) == {"Happy Cartoon"}
    assert _ids(client.get("/api/titles/?search=cartoon")) == everything - {"Grown Drama"}
    assert _ids(client.get("/api/titles/?media_type=manga", HTTP_HOST=KIDS)) == set()


def test_the_document_of_an_excluded_title_is_a_404_cached_or_not(
    client, kids, catalog_titles, django_assert_num_queries
):
    client.get("/api/site/", HTTP_HOST=KIDS)
    for key in ("adult", "horror", "manga"):
        url = f"/api/titles/{catalog_titles[key].short_id}/"
        cache.delete(f"title-doc:{catalog_titles[key].short_id}")
        with django_assert_num_queries(1):
            assert client.get(url, HTTP_HOST=KIDS).status_code == 404
        assert client.get(url).status_code == 200  # the main site: cached now
        with django_assert_num_queries(0):
            response = client.get(url, HTTP_HOST=KIDS)  # from the cache: still hidden
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    ok = f"/api/titles/{catalog_titles['ok'].short_id}/"
    assert client.get(ok, HTTP_HOST=KIDS).json()["title"] == "Happy Cartoon"


def _grant(user, file_hash: str, host: str = "testserver"):
    api = APIClient()
    api.force_login(user)
    return api.post(f"/api/stream/{file_hash}/", {}, format="json", HTTP_HOST=host, **DEVICE)


def test_the_gatekeeper_subtitles_and_pages_refuse_an_excluded_title(client, kids, media):
    movie = media_ingest(path=media.movie).media_file  # has text subtitle tracks
    chapter = chapter_ingest(path=media.cbz).chapter  # a manga: not on the kids site
    user = UserFactory(role=Role.FREE)
    assert _grant(user, movie.file_hash, KIDS).status_code == 200
    subs = signed(f"/api/subs/{movie.file_hash}/eng.vtt")
    page = signed(f"/api/read/{chapter.pk}/1")
    assert client.get(subs, HTTP_HOST=KIDS).status_code == 200
    assert client.get(page).status_code == 200

    api = APIClient()
    api.force_login(user)
    read = api.post(f"/api/read/{chapter.pk}/", {}, format="json", HTTP_HOST=KIDS, **DEVICE)
    assert read.status_code == 404 and read.json()["error"]["code"] == "chapter_not_found"
    assert client.get(page, HTTP_HOST=KIDS).status_code == 404

    # The movie becomes adult: gone from the kids site, everywhere, at once.
    catalog.title_update(title=movie.title, data={"content_rating": ContentRating.ADULT})
    refused = _grant(user, movie.file_hash, KIDS)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "file_not_found"
    assert client.get(subs, HTTP_HOST=KIDS).status_code == 404
    assert client.get(subs).status_code == 200


def test_comments_and_progress_on_an_excluded_title_are_404(client, kids, catalog_titles):
    adult = catalog_titles["adult"]
    user = UserFactory(role=Role.FREE)
    comment = comment_create(
        user=user, target=target_resolve(f"title:{adult.short_id}"), body="Great film"
    )
    api = APIClient()
    api.force_login(user)
    listed = api.get(f"/api/comments/?target=title:{adult.short_id}", HTTP_HOST=KIDS)
    assert listed.status_code == 404
    assert api.get(f"/api/comments/?target=title:{adult.short_id}").status_code == 200
    liked = api.put(f"/api/comments/{comment.pk}/like/", HTTP_HOST=KIDS)
    assert liked.status_code == 404
    saved = api.put(
        f"/api/me/progress/{adult.short_id}/",
        {"position": 600, "duration": 6000},
        format="json",
        HTTP_HOST=KIDS,
    )
    assert saved.status_code == 404


def test_history_hides_excluded_titles(kids, catalog_titles):
    user = UserFactory(role=Role.FREE)
    api = APIClient()
    api.force_login(user)
    for key in ("ok", "adult"):
        add_file(catalog_titles[key], duration=6000)
        saved = api.put(
            f"/api/me/progress/{catalog_titles[key].short_id}/",
            {"position": 600, "duration": 6000},
            format="json",
        )
        assert saved.status_code == 200 and saved.json()["kept"], saved.content

    def titles(host: str) -> list[str]:
        items = api.get("/api/me/history/", HTTP_HOST=host).json()["results"]
        return sorted(item["title"]["title"] for item in items)

    assert titles("testserver") == ["Grown Drama", "Happy Cartoon"]
    assert titles(KIDS) == ["Happy Cartoon"]


def test_the_dmca_shield_hides_a_reported_title_at_once(
    client, site, django_capture_on_commit_callbacks
):
    site("Shielded", "shielded.example", dmca_shield_active=True)
    site("Open", "open.example")
    title = TitleFactory(title="Disputed")
    add_file(title)
    url = f"/api/titles/{title.short_id}/"
    for host in ("shielded.example", "open.example", "testserver"):
        assert client.get(url, HTTP_HOST=host).status_code == 200  # cached now
    reporter = UserFactory(role=Role.FREE)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = medic.report_create(
            actor=reporter, title=title, issue=ReportIssue.COPYRIGHT, note="I own this"
        )
    assert client.get(url, HTTP_HOST="shielded.example").status_code == 404
    listed = client.get("/api/titles/", HTTP_HOST="shielded.example").json()["results"]
    assert title.short_id not in {c["short_id"] for c in listed}
    assert client.get(url, HTTP_HOST="open.example").status_code == 200
    assert client.get(url).status_code == 200  # no takedown: only the shield hides it
    with django_capture_on_commit_callbacks(execute=True):
        medic.report_ignore(report=report, actor=StaffFactory(), reason="licence checked")
    assert client.get(url, HTTP_HOST="shielded.example").status_code == 200


def test_an_idna_domain_answers_as_a_browser_sends_it(client, site):
    """The operator types the domain in Unicode; a browser sends its punycode Host."""
    site("Bücher", "xn--bcher-kva.example", primary_color="#123456")
    for host in ("xn--bcher-kva.example", "XN--BCHER-KVA.example:443", "xn--bcher-kva.example."):
        response = client.get("/api/site/", HTTP_HOST=host)
        assert response.status_code == 200 and response.json()["name"] == "Bücher", host
    assert client.get("/api/site/", HTTP_HOST="xn--bcher-kvb.example").status_code == 400
