"""/api/comments/: the documented contract (paths, fields), spoilers as segments, the
timeline, replies, edit and delete, with bounded queries and hostile input as 4xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User, WatchProgress
from community.models import Comment
from ingest.kinds import JobKind
from jobs.models import Job
from tests.community.conftest import target
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
FIELDS = {
    "id", "nickname", "avatar_seed", "body", "segments", "is_spoiler", "timestamp", "likes",
    "liked_by_me", "reply_count", "parent", "created_at", "edited", "moderation_status", "hidden",
}  # fmt: skip


def post(api, title, body, **kw):
    return api.post("/api/comments/", {"target": target(title), "body": body, **kw}, format="json")


def listing(api, title, **params):
    return api.get("/api/comments/", {"target": target(title), **params}).json()


def test_a_guest_comments_with_a_spoiler_and_sees_it_as_segments(api, movie):
    response = post(api, movie, "That ending! >!He was a ghost!< Wow", is_spoiler=False)
    assert response.status_code == 201, response.content
    comment = response.json()
    assert set(comment) == FIELDS
    assert comment["segments"] == [
        {"text": "That ending! ", "spoiler": False},
        {"text": "He was a ghost", "spoiler": True},
        {"text": " Wow", "spoiler": False},
    ]
    assert comment["nickname"] and comment["avatar_seed"] and comment["likes"] == 0
    again = post(api, movie, "Second").json()
    assert (again["nickname"], again["avatar_seed"]) == (
        comment["nickname"],
        comment["avatar_seed"],
    )
    page = listing(api, movie)
    assert page["count"] == 2 and [c["body"] for c in page["results"]] == [
        "Second",
        "That ending! >!He was a ghost!< Wow",
    ]


def test_logged_in_users_comment_under_their_name_and_html_is_refused(api, member, movie):
    assert post(api, movie, "Great").json()["nickname"] == "Mia"
    for body in ("<script>alert(1)</script>", "<b>bold</b>", "x" * 2001, "   ", "\x00\x01"):
        response = post(api, movie, body)
        assert response.status_code == 400, (body, response.content)
        assert "body" in response.json()["error"]["fields"]
    sneaky = UserFactory(first_name="<img src=x onerror=1>")
    api.force_login(sneaky)
    assert "<" not in post(api, movie, "hi").json()["nickname"]
    assert post(api, movie, "a < b and\x07 c").json()["body"] == "a < b and c"
    assert not Comment.objects.filter(body__contains="<script").exists()


def test_hostile_input_is_a_4xx(api, member, movie):
    cases = [
        post(api, movie, "x", timestamp=-1),
        post(api, movie, "x", timestamp=10**9),
        post(api, movie, "x", timestamp="10"),
        post(api, movie, "x", is_spoiler="yes"),
        post(api, movie, "x", parent=10**30),
        api.post("/api/comments/", {"target": "title:zzzzzzz", "body": "x"}, format="json"),
        api.post("/api/comments/", {"target": "nonsense", "body": "x"}, format="json"),
        api.get("/api/comments/", {"target": target(movie), "until": "-5"}),
        api.get("/api/comments/", {"target": target(movie), "until": "9" * 40}),
        api.get("/api/comments/", {"target": target(movie), "ordering": "best"}),
        api.get("/api/comments/", {"target": target(movie), "cursor": "garbage"}),
        api.put(f"/api/comments/{10**30}/like/"),
        api.post("/api/comments/999999/flag/", {"reason": "spam"}, format="json"),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, response.content
        assert "error" in response.json()


def test_the_timeline_until_and_the_unreached_are_hidden(api, member, movie):
    for second in (30, 600, 2400):
        post(api, movie, f"at {second}", timestamp=second)
    post(api, movie, "no timestamp")
    assert [c["timestamp"] for c in listing(api, movie, until=700)["results"]] == [600, 30]
    # Without until: the viewer has watched nothing; timeline comments come back hidden.
    by_time = {c["timestamp"]: c for c in listing(api, movie)["results"]}
    assert by_time[2400]["body"] == "" and by_time[2400]["hidden"] == "not_reached"
    assert by_time[None]["body"] == "no timestamp"
    WatchProgress.objects.create(user=member, title=movie, position=900, duration=7200)
    by_time = {c["timestamp"]: c for c in listing(api, movie)["results"]}
    assert by_time[600]["body"] == "at 600" and by_time[2400]["hidden"] == "not_reached"


def test_lists_cost_a_fixed_number_of_queries(api, member, movie, django_assert_max_num_queries):
    for n in range(30):
        post(api, movie, f"comment {n}", timestamp=n)
    api.put(f"/api/comments/{Comment.objects.first().pk}/like/")
    with django_assert_max_num_queries(7):  # session, user, title, page, likes, progress, count
        page = listing(api, movie, page_size=20)
    assert len(page["results"]) == 20 and page["next"]
    nxt = api.get(page["next"]).json()
    assert len(nxt["results"]) == 10 and not {c["id"] for c in nxt["results"]} & {
        c["id"] for c in page["results"]
    }
    top = listing(api, movie, ordering="top")["results"]
    assert top[0]["likes"] == 1 and top[0]["liked_by_me"] is True


def test_one_level_of_replies_and_a_dm_to_the_parent_author(api, member, movie, settings):
    author = UserFactory(kind="telegram", telegram_id=555001)
    api.force_login(author)
    root = post(api, movie, "root").json()
    api.force_login(member)
    reply = post(api, movie, "first reply", parent=root["id"]).json()
    deeper = post(api, movie, "reply to the reply", parent=reply["id"]).json()
    assert reply["parent"] == root["id"] and deeper["parent"] == root["id"]  # one level
    assert listing(api, movie)["results"][0]["reply_count"] == 2
    replies = listing(api, movie, parent=root["id"])["results"]
    assert [r["body"] for r in replies] == ["reply to the reply", "first reply"]
    dms = Job.objects.filter(kind=JobKind.NOTIFY_USER, payload__user_id=author.pk)
    assert dms.count() == 2 and "replied to your comment" in dms.first().payload["text"]
    # Muted: no more DMs.
    api.force_login(author)
    assert api.put("/api/comments/settings/", {"replies_muted": True}, format="json").json() == {
        "replies_muted": True
    }
    api.force_login(member)
    post(api, movie, "third", parent=root["id"])
    assert dms.count() == 2


def test_edit_within_the_window_and_delete_keeps_the_thread(api, member, movie):
    root = post(api, movie, "typo hree").json()
    edited = api.patch(f"/api/comments/{root['id']}/", {"body": "typo here"}, format="json")
    assert edited.status_code == 200 and edited.json()["edited"] is True
    Comment.objects.filter(pk=root["id"]).update(created_at=timezone.now() - timedelta(hours=1))
    late = api.patch(f"/api/comments/{root['id']}/", {"body": "again"}, format="json")
    assert late.status_code == 403 and late.json()["error"]["code"] == "edit_window_closed"
    other = UserFactory()
    api.force_login(other)
    post(api, movie, "a reply", parent=root["id"])
    assert api.delete(f"/api/comments/{root['id']}/").status_code == 403  # not yours
    api.force_login(member)
    assert api.delete(f"/api/comments/{root['id']}/").status_code == 204
    (shown,) = listing(api, movie)["results"]
    assert (shown["body"], shown["moderation_status"], shown["reply_count"]) == ("", "deleted", 1)
    assert Comment.objects.get(pk=root["id"]).body == ""  # the text is gone, not hidden
    assert api.delete(f"/api/comments/{root['id']}/").status_code == 404


def test_the_title_document_does_not_change_and_links_hold_a_comment(api, member, movie):
    movie.refresh_from_db()
    document = movie.document
    post(api, movie, "see https://a.example and https://b.example and www.c.example")
    movie.refresh_from_db()
    assert movie.document == document
    held = Comment.objects.get()
    assert held.moderation_status == "flagged" and held.held_reason == "too many links"
    assert listing(api, movie)["results"][0]["hidden"] == "flagged"
    assert listing(api, movie)["count"] == 0


def test_reads_need_no_session_and_make_no_guest(client, movie):
    response = client.get("/api/comments/", {"target": target(movie)})
    assert response.status_code == 200 and response.json()["results"] == []
    assert not User.objects.exists()
