from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import ReadProgress, User, UserKind, WatchProgress, WishlistEntry
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code, body
    return body["error"]


def test_first_request_makes_a_guest_with_a_safe_cookie(api):
    response = api.get("/api/me/")
    assert response.status_code == 200
    me = response.json()
    assert me["kind"] == "guest" and me["id"].startswith("guest_")
    assert me["role"] == "free" and me["referral"]["code"] is None
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"
    assert api.get("/api/me/").json()["id"] == me["id"]  # the cookie keeps the guest
    assert User.objects.filter(kind=UserKind.GUEST).count() == 1


def test_catalog_reads_do_not_make_guests(api):
    TitleFactory()
    assert api.get("/api/titles/").status_code == 200
    assert not User.objects.exists()


def test_me_shows_no_secrets_and_patch_updates_name(api):
    user = UserFactory(first_name="Old", invited_count=3)
    inviter = UserFactory()
    User.objects.filter(pk=user.pk).update(invited_by=inviter)
    services.device_check(user=user, fingerprint="device")
    api.force_login(user)
    me = api.get("/api/me/").json()
    assert me["referral"] == {
        "code": user.referral_code,
        "invited_count": 3,
        "invited_by": inviter.telegram_id,
    }
    assert me["can_stream_2160p"] is True and me["device"]["bound"] is True
    text = api.get("/api/me/").content.decode()
    user.refresh_from_db()
    assert user.auth_token_secret not in text and user.bound_device_hash not in text
    assert "password" not in text
    response = api.patch("/api/me/", {"first_name": "  New  "}, format="json")
    assert response.status_code == 200 and response.json()["first_name"] == "New"
    assert api.patch("/api/me/", {"first_name": "x" * 151}, format="json").status_code == 400
    # Role and the rest are not writable through the API.
    api.patch("/api/me/", {"role": "admin", "premium_until": "2099-01-01"}, format="json")
    user.refresh_from_db()
    assert user.role == "free" and user.premium_until is None


def test_expired_premium_shows_as_free(api):
    user = UserFactory(role="premium", premium_until=timezone.now() - timedelta(hours=1))
    api.force_login(user)
    me = api.get("/api/me/").json()
    assert me["role"] == "free" and me["premium_active"] is False
    assert me["can_stream_2160p"] is False


def _put(api, title, **data):
    return api.put(f"/api/me/progress/{title.short_id}/", data, format="json")


def test_movie_progress_window(api, movie):
    api.get("/api/me/")
    # 2 h movie: 5 % = 360 s, 90 % = 6480 s.
    body = _put(api, movie, position=359).json()
    assert body == {"kept": False, "reason": "not_started", "progress": None}
    assert not WatchProgress.objects.exists()
    body = _put(api, movie, position=3405).json()
    assert body["kept"] is True and body["progress"]["position"] == 3405
    assert body["progress"]["duration"] == 7200
    # The probed duration wins over what the client claims.
    assert _put(api, movie, position=3500, duration=3600).json()["progress"]["duration"] == 7200
    assert _put(api, movie, position=6481).json()["reason"] == "finished"
    assert not WatchProgress.objects.exists()  # finished: out of "continue watching"
    # A last report past the end (players overshoot a little) counts as the end.
    assert _put(api, movie, position=99999).json()["reason"] == "finished"
    _error(_put(api, movie), 400, "invalid")  # neither a position nor a chapter and page
    _error(_put(api, movie, chapter=1, page=1), 409, "wrong_title_kind")
    _error(_put(api, movie, position=-1), 400, "invalid")


def test_short_items_are_not_kept(api):
    clip = TitleFactory()
    from tests.factories import add_file

    add_file(clip, quality="720p", duration=299.0)
    api.get("/api/me/")
    assert _put(api, clip, position=150).json() == {
        "kept": False,
        "reason": "too_short",
        "progress": None,
    }
    unprobed = TitleFactory()
    _error(_put(api, unprobed, position=100), 409, "wrong_title_kind")  # no duration anywhere
    assert _put(api, unprobed, position=1000, duration=2000).json()["kept"] is True


def test_series_progress_moves_to_next_episode(api, series):
    api.get("/api/me/")
    body = _put(api, series, position=1000, season=1, episode=2).json()
    assert body["kept"] and body["progress"]["episode"]["episode"] == 2
    body = _put(api, series, position=2990, season=1, episode=2).json()
    assert body["kept"] is False and body["reason"] == "finished"
    assert body["progress"]["episode"] == {
        "id": body["progress"]["episode"]["id"],
        "season": 2,
        "episode": 1,
        "name": "",
    }
    assert body["progress"]["position"] == 0
    assert _put(api, series, position=2990, season=2, episode=1).json()["progress"] is None
    _error(_put(api, series, position=100), 409, "wrong_title_kind")
    _error(_put(api, series, position=100, season=9, episode=9), 404, "not_found")


def test_manga_progress(api, manga):
    api.get("/api/me/")
    body = _put(api, manga, chapter="2.5", page=7).json()
    assert body["kept"] is True
    assert body["progress"]["chapter"]["chap"] == 2.5 and body["progress"]["page"] == 7
    _put(api, manga, chapter=2, page=3)
    assert ReadProgress.objects.get().page == 3
    _error(_put(api, manga, chapter=2, page=21), 404, "not_found")  # 20 pages
    _error(_put(api, manga, chapter=3, page=1), 404, "not_found")
    _error(_put(api, manga, position=10), 409, "wrong_title_kind")


def test_progress_unknown_or_banned_title_is_404(api, movie):
    _error(api.put("/api/me/progress/zzzzzzz/", {"position": 1}, format="json"), 404, "not_found")
    _error(api.put("/api/me/progress/../", {"position": 1}, format="json"), 404, "not_found")
    from catalog import services as catalog

    catalog.title_set_status(title=movie, status="banned")
    _error(_put(api, movie, position=3000), 404, "not_found")


def test_history_latest_first_with_cards(api, movie, series, manga, django_assert_max_num_queries):
    user = UserFactory()
    api.force_login(user)
    now = timezone.now()
    WatchProgress.objects.create(
        user=user, title=movie, position=100, duration=7200, updated_at=now - timedelta(hours=3)
    )
    WatchProgress.objects.create(
        user=user,
        title=series,
        episode=series.episodes.first(),
        position=500,
        duration=3000,
        updated_at=now - timedelta(hours=1),
    )
    ReadProgress.objects.create(
        user=user, manga=manga, chapter=manga.chapters.first(), page=4, updated_at=now
    )
    for _ in range(20):  # more titles, same query count
        t = TitleFactory()
        WatchProgress.objects.create(
            user=user, title=t, position=1, updated_at=now - timedelta(days=1)
        )
    WatchProgress.objects.create(user=UserFactory(), title=movie, position=5)  # someone else
    api.get("/api/me/")
    with django_assert_max_num_queries(6):  # session, user, count, page, watch, read
        response = api.get("/api/me/history/", {"page_size": 10})
    body = response.json()
    assert body["count"] == 23
    first = body["results"][:3]
    assert [i["kind"] for i in first] == ["read", "watch", "watch"]
    assert [i["title"]["short_id"] for i in first] == [
        manga.short_id,
        series.short_id,
        movie.short_id,
    ]
    assert first[0]["title"] == manga.card and first[0]["page"] == 4
    assert first[1]["episode"]["season"] == 1 and first[1]["position"] == 500
    assert api.get("/api/me/history/", {"page": 3, "page_size": 10}).json()["count"] == 23
    _error(api.get("/api/me/history/", {"page": "x"}), 400, "invalid")


def test_wishlist_titles_requests_and_removal(api, movie, django_assert_max_num_queries):
    api.get("/api/me/")
    response = api.post("/api/me/wishlist/", {"short_id": movie.short_id}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "available"
    assert response.json()["title"] == movie.card
    again = api.post("/api/me/wishlist/", {"short_id": movie.short_id}, format="json")
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"]
    request = api.post("/api/me/wishlist/", {"query": "  The Unmade  Film! "}, format="json")
    assert request.status_code == 201
    assert request.json() | {"id": 0, "created_at": ""} == {
        "id": 0,
        "title": None,
        "query": "The Unmade  Film!",
        "status": "requested",
        "notified_at": None,
        "created_at": "",
    }
    # A free-text request naming a library title saves the title.
    named = api.post("/api/me/wishlist/", {"query": "blade runner"}, format="json")
    assert named.status_code == 200 and named.json()["id"] == response.json()["id"]
    _error(api.post("/api/me/wishlist/", {}, format="json"), 400, "invalid")
    _error(
        api.post("/api/me/wishlist/", {"short_id": movie.short_id, "query": "x"}, format="json"),
        400,
        "invalid",
    )
    _error(api.post("/api/me/wishlist/", {"query": "   "}, format="json"), 400, "invalid")
    # A name in another script is a request of its own, not "nothing" (clean_title drops it).
    cjk = api.post("/api/me/wishlist/", {"query": "千と千尋の神隠し"}, format="json")
    assert cjk.status_code == 201 and cjk.json()["status"] == "requested"
    assert api.post("/api/me/wishlist/", {"query": "Ponyo"}, format="json").status_code == 201
    for entry_id in (cjk.json()["id"], api.get("/api/me/wishlist/").json()["results"][0]["id"]):
        assert api.delete(f"/api/me/wishlist/{entry_id}/").status_code == 204
    _error(api.post("/api/me/wishlist/", {"short_id": "nope123"}, format="json"), 404, "not_found")
    for _ in range(15):
        api.post("/api/me/wishlist/", {"short_id": TitleFactory().short_id}, format="json")
    with django_assert_max_num_queries(5):  # session, user, count, page (+ touch)
        listing = api.get("/api/me/wishlist/", {"page_size": 5}).json()
    assert listing["count"] == 17 and len(listing["results"]) == 5
    assert api.delete(f"/api/me/wishlist/?short_id={movie.short_id}").status_code == 204
    assert api.delete(f"/api/me/wishlist/{request.json()['id']}/").status_code == 204
    _error(api.delete("/api/me/wishlist/999999/"), 404, "not_found")
    _error(api.delete(f"/api/me/wishlist/{10**30}/"), 404, "not_found")  # past bigint
    _error(api.delete("/api/me/wishlist/"), 400, "invalid")  # short_id is required
    _error(api.delete(f"/api/me/wishlist/?short_id={movie.short_id}"), 404, "not_found")
    assert WishlistEntry.objects.count() == 15


def test_wishlist_request_fulfil_for_the_notifier(api):
    user = UserFactory()
    entry, _ = services.wishlist_add(user=user, query="Future Film")
    title = TitleFactory(title="Future Film")
    assert services.wishlist_request_fulfil(entry=entry, title=title) is True
    assert services.wishlist_request_fulfil(entry=entry, title=title) is False
    entry.refresh_from_db()
    assert entry.title == title and entry.status == "available" and entry.notified_at


def test_other_users_data_is_private(api, movie):
    owner = UserFactory()
    entry, _ = services.wishlist_add(user=owner, title=movie)
    api.get("/api/me/")
    _error(api.delete(f"/api/me/wishlist/{entry.id}/"), 404, "not_found")
    assert api.get("/api/me/wishlist/").json()["count"] == 0
    assert WishlistEntry.objects.filter(pk=entry.pk).exists()


def test_hostile_input_is_a_400_or_404_never_a_500(api, movie, manga, settings):
    settings.TELEGRAM_LOGIN_BOT_TOKEN = "1:token"
    api.get("/api/me/")
    huge = "9" * 40
    cases = [
        api.delete(f"/api/me/wishlist/{huge}/"),
        api.delete("/api/me/wishlist/?short_id=abc"),
        api.post("/api/me/wishlist/", {"query": "x" * 500}, format="json"),
        api.post("/api/me/wishlist/", ["not", "an", "object"], format="json"),
        api.put(f"/api/me/progress/{movie.short_id}/", {"position": huge}, format="json"),
        api.put(f"/api/me/progress/{movie.short_id}/", {"position": "abc"}, format="json"),
        api.put(f"/api/me/progress/{manga.short_id}/", {"chapter": "x", "page": 1}, format="json"),
        api.put(f"/api/me/progress/{manga.short_id}/", {"chapter": huge, "page": 1}, format="json"),
        api.patch("/api/me/", {"first_name": ["a"]}, format="json"),
        api.patch("/api/me/", "[]", content_type="multipart/form-data; boundary=x"),  # 415
        api.patch("/api/me/", [], format="json"),
        api.post("/api/stream/heartbeat/", {"session": huge}, format="json"),
        api.post(f"/api/stream/{'a' * 65}/", {}, format="json"),
        api.post(
            "/api/auth/telegram/", {"id": huge, "auth_date": huge, "hash": "0"}, format="json"
        ),
        api.post("/api/auth/telegram/", ["x"], format="json"),
        api.get("/api/me/history/?page_size=100000"),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500 and response.status_code != 403, response.content
        assert "error" in response.json()


def test_hostile_magic_tokens_are_link_invalid(client):
    import jwt

    for claims in (
        {"sub": "9" * 40, "jti": "a"},
        {"sub": "1", "jti": "j" * 5000},
        {"sub": 1, "jti": "a"},
        {"sub": "1"},
    ):
        token = jwt.encode(claims, "k" * 32, algorithm="HS256")
        response = client.get("/auth/magic", {"token": token})
        assert response.status_code == 400
        assert "link_invalid" in response.content.decode()
