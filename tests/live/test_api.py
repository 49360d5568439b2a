"""``/api/live/``: the live channels' feeds (each list a fixed number of queries), a stream with the
viewer's like and follow, likes and follows that keep the cached counts exact, the chat history
newest first with ``page``/``limit``, and the creator's studio (become a creator, a key shown
once, schedule and edit streams). Bad input is a 4xx in the one JSON error shape."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from live import chat, services
from live.models import Category, ChatMessage, Creator, Follow, Stream, StreamStatus
from tests.factories import CreatorFactory, GuestFactory, LiveStreamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_feeds_live_category_trending_latest_scheduled(client, django_assert_num_queries):
    games = Category.objects.create(name="Games", image="img")
    music = Category.objects.create(name="Music", image="img", is_active=False)
    old = LiveStreamFactory(started_at=_ago(30), category=games, total_views=5)
    new = LiveStreamFactory(started_at=_ago(1), category=music, total_views=50)
    ended = LiveStreamFactory(status=StreamStatus.OFFLINE, total_views=500)
    soon = LiveStreamFactory(status=StreamStatus.SCHEDULED, started_at=None,
                             scheduled_at=timezone.now() + datetime.timedelta(hours=2))  # fmt: skip
    LiveStreamFactory(is_public=False)  # unlisted: not in any feed
    LiveStreamFactory(creator=CreatorFactory(is_blocked=True))
    LiveStreamFactory(is_taken_down=True)

    def ids(url: str) -> list[str]:
        with django_assert_num_queries(2):  # the count and the page
            response = client.get(url)
        assert response.status_code == 200, response.content
        return [s["id"] for s in response.json()["results"]]

    assert ids("/api/live/streams/") == [new.public_id, old.public_id]
    assert ids(f"/api/live/streams/?category={games.pk}") == [old.public_id]
    assert ids("/api/live/streams/?feed=trending") == [
        ended.public_id, new.public_id, old.public_id
    ]  # fmt: skip
    assert ids("/api/live/streams/?feed=scheduled") == [soon.public_id]
    assert ids("/api/live/streams/?feed=latest&limit=2") == [soon.public_id, ended.public_id]
    item = client.get("/api/live/streams/").json()["results"][0]
    assert item["playback_url"] == f"/live/hls/{new.public_id}.m3u8"
    assert item["category"] is None or item["category"]["name"] == "Music"
    cats = client.get("/api/live/categories/").json()
    assert [c["name"] for c in cats["results"]] == ["Games"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("feed=popular", "feed"),
        ("category=x", "category"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("page=abc", "page"),
    ],
)
def test_bad_feed_parameters_are_400_with_the_field(client, query, field):
    response = client.get(f"/api/live/streams/?{query}")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid" and list(body["fields"]) == [field]


def test_unknown_stream_and_creator_are_json_404s(client):
    for url in ("/api/live/streams/nope/", "/api/live/creators/999999/",
                f"/api/live/creators/{2**70}/", "/api/live/streams/a.b/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] in ("not_found", "not_found_error")


def test_like_and_follow_keep_exact_counts(client):
    viewer = UserFactory()
    stream = LiveStreamFactory()
    client.force_login(viewer)
    base = f"/api/live/streams/{stream.public_id}"
    for _ in range(2):  # idempotent
        assert client.put(f"{base}/like/").json() == {"liked_by_me": True, "total_likes": 1}
        follow = client.put(f"/api/live/creators/{stream.creator_id}/follow/").json()
        assert follow == {"following": True, "total_followers": 1}
    detail = client.get(f"{base}/").json()
    assert detail["liked_by_me"] and detail["following"] and detail["total_likes"] == 1
    assert Creator.objects.get(pk=stream.creator_id).total_likes == 1
    assert client.delete(f"{base}/like/").json()["total_likes"] == 0
    assert client.delete(f"/api/live/creators/{stream.creator_id}/follow/").json() == {
        "following": False, "total_followers": 0
    }  # fmt: skip
    # Your own channel cannot be followed: a conflict, not a 500.
    client.force_login(stream.creator.user)
    own = client.put(f"/api/live/creators/{stream.creator_id}/follow/")
    assert own.status_code == 409 and own.json()["error"]["code"] == "conflict"


def test_following_feed_lists_live_first(client, django_assert_num_queries):
    viewer = UserFactory()
    a, b = CreatorFactory(), CreatorFactory()
    for creator in (a, b):
        Follow.objects.create(follower=viewer, creator=creator)
    past = LiveStreamFactory(creator=a, status=StreamStatus.OFFLINE, started_at=_ago(90))
    now = LiveStreamFactory(creator=b)
    LiveStreamFactory()  # not followed
    assert client.get("/api/live/streams/following/").status_code in (401, 403)
    client.force_login(viewer)
    with django_assert_num_queries(4):  # session, user, count, page
        response = client.get("/api/live/streams/following/")
    assert [s["id"] for s in response.json()["results"]] == [now.public_id, past.public_id]


def test_chat_history_is_newest_first_with_page_and_limit(client):
    stream = LiveStreamFactory()
    user = UserFactory()
    for n in range(5):
        ChatMessage.objects.create(stream=stream, user=user, message=f"line {n}")
    hidden = ChatMessage.objects.create(stream=stream, user=user, message="spam")
    chat.message_delete(message=hidden, actor=stream.creator.user)
    url = f"/api/live/streams/{stream.public_id}/chat/"
    first = client.get(url, {"limit": 2}).json()
    assert first["count"] == 5
    assert [m["message"] for m in first["results"]] == ["line 4", "line 3"]
    third = client.get(url, {"limit": 2, "page": 3}).json()
    assert [m["message"] for m in third["results"]] == ["line 0"]
    assert first["results"][0]["user"]["name"] == user.first_name
    assert client.get(url, {"limit": 2, "page": 9}).status_code == 404


def test_the_studio_makes_a_channel_a_key_once_and_streams(client, settings):
    settings.LIVE_CREATORS_AUTO_APPROVE = True  # (approval: test_approval.py)
    user = UserFactory()
    assert client.get("/api/live/studio/").status_code in (401, 403)
    client.force_login(user)
    assert client.get("/api/live/studio/").status_code == 404
    made = client.post("/api/live/studio/", {"channel_name": "Owl Radio"}, "application/json")
    assert made.status_code == 201 and made.json()["has_stream_key"] is False
    again = client.post("/api/live/studio/", {"channel_name": "Owl Two"}, "application/json")
    assert again.status_code == 409  # one channel per user
    client.force_login(UserFactory())
    taken = client.post("/api/live/studio/", {"channel_name": "owl radio"}, "application/json")
    assert taken.status_code == 409 and "taken" in taken.json()["error"]["message"]
    client.force_login(user)
    key = client.post("/api/live/studio/key/")
    assert key.status_code == 201 and key["Cache-Control"] == "no-store"
    stream_key = key.json()["stream_key"]
    studio = client.get("/api/live/studio/").json()
    assert studio["has_stream_key"] and stream_key not in str(studio)
    # The key works with nginx-rtmp's callback; the earliest scheduled stream goes live.
    when = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    games = Category.objects.create(name="Games", image="img")
    scheduled = client.post(
        "/api/live/studio/streams/",
        {"title": "Speedrun", "scheduled_at": when, "category_id": games.pk,
         "who_can_message": "followers", "slow_mode_seconds": 5},
        "application/json",
    )  # fmt: skip
    assert scheduled.status_code == 201, scheduled.content
    public_id = scheduled.json()["id"]
    edited = client.patch(
        f"/api/live/studio/streams/{public_id}/", {"title": "Any% run"}, "application/json"
    )
    assert edited.json()["title"] == "Any% run"
    live = services.publish_start(key=stream_key, client_id="7")
    assert live.public_id == public_id and live.status == StreamStatus.LIVE
    assert live.slow_mode_seconds == 5 and live.who_can_message == "followers"
    assert ChatMessage.objects.filter(stream=live, message_type="system").count() == 1
    mine = client.get("/api/live/studio/streams/").json()
    assert [s["id"] for s in mine["results"]] == [public_id]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"title": ""}, "title"),
        ({"title": "<b>x</b>"}, "title"),
        ({"title": "ok", "slow_mode_seconds": "5"}, "slow_mode_seconds"),
        ({"title": "ok", "who_can_message": "nobody"}, "who_can_message"),
        ({"title": 5}, "title"),
    ],
)
def test_studio_refuses_bad_streams_with_a_field_error(client, body, field):
    creator = CreatorFactory()
    client.force_login(creator.user)
    response = client.post("/api/live/studio/streams/", body, "application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Stream.objects.exists()


@pytest.mark.parametrize(
    "body, status",
    [
        ({"title": "ok", "scheduled_at": "2000-01-01T00:00:00Z"}, 409),  # in the past
        ({"title": "ok", "category_id": 999999}, 404),
    ],
)
def test_studio_answers_conflicts_and_missing_references(client, body, status):
    creator = CreatorFactory()
    client.force_login(creator.user)
    response = client.post("/api/live/studio/streams/", body, "application/json")
    assert response.status_code == status, response.content
    assert not Stream.objects.exists()


def test_a_guest_cannot_open_a_channel(client):
    client.force_login(GuestFactory())
    response = client.post("/api/live/studio/", {"channel_name": "Guesty"}, "application/json")
    assert response.status_code == 403
    bad = client.post("/api/live/studio/", {"channel_name": "<b>"}, "application/json")
    assert bad.status_code == 400 and "channel_name" in bad.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [
        ("post", {"channel_name": "Owl Radio", "description": "<?php"}, "description"),
        ("patch", {"social_accounts": [{"platform": "X", "url": "javascript:alert(1)"}]}, None),
        ("patch", {"social_accounts": [{"platform": "<b>", "url": "https://x.example"}]}, None),
    ],
)
def test_the_studio_refuses_what_its_schema_refuses(client, method, body, field):
    """What the schema forbids (HTML in plain text, a link that is not http(s)) is a 400 —
    found by the logged-in fuzzing once its session lasted the whole run."""
    client.force_login(UserFactory())
    if method == "patch":
        made = client.post("/api/live/studio/", {"channel_name": "Owl FM"}, "application/json")
        assert made.status_code == 201
    response = getattr(client, method)("/api/live/studio/", body, "application/json")
    assert response.status_code == 400, response.content
    assert (field or "social_accounts") in response.json()["error"]["fields"]
