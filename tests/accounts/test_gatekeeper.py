from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import User
from catalog import services as catalog
from core import signing
from tests.accounts.conftest import file_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEVICE = {"HTTP_X_DEVICE_FINGERPRINT": "device-1"}


def _stream(api, media_file, device: str | None = "device-1", **body):
    headers = {"HTTP_X_DEVICE_FINGERPRINT": device} if device is not None else {}
    return api.post(f"/api/stream/{media_file.file_hash}/", body, format="json", **headers)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code, body
    return body["error"]


@pytest.fixture
def user(api):
    user = UserFactory()
    api.force_login(user)
    return user


def test_grant_is_a_url_nginx_and_our_verifier_accept(api, user, movie, settings):
    settings.STREAM_BASE_URL = "https://cdn.example"
    settings.STREAM_URL_TTL = 3600
    media_file = file_of(movie, "1080p")
    response = _stream(api, media_file)
    assert response.status_code == 200, response.content
    body = response.json()
    url = urlparse(body["url"])
    assert f"{url.scheme}://{url.netloc}" == "https://cdn.example"
    assert url.path == f"/s/{media_file.file_hash}"
    query = parse_qs(url.query)
    assert int(query["expires"][0]) == body["expires"]
    assert signing.verify(uri=url.path, md5=query["md5"][0], expires=query["expires"][0]) == (
        signing.LinkCheck.OK
    )
    assert len(body["session"]) == 32 and body["heartbeat_every"] == 30
    user.refresh_from_db()
    assert user.last_ip == "127.0.0.1"


def test_file_and_title_availability(api, user, movie):
    _error(api.post("/api/stream/deadbeef/", {}, format="json", **DEVICE), 404, "file_not_found")
    _error(api.post("/api/stream/bad%20hash/", {}, format="json", **DEVICE), 404, "file_not_found")
    media_file = file_of(movie, "1080p")
    catalog.media_file_set_status(media_file=media_file, status="dead")
    _error(_stream(api, media_file), 409, "file_unavailable")
    catalog.title_set_status(title=movie, status="repairing")
    _error(_stream(api, file_of(movie, "2160p")), 409, "title_unavailable")
    catalog.title_set_status(title=movie, status="banned")
    _error(_stream(api, file_of(movie, "2160p")), 404, "file_not_found")


def test_banned_user_is_refused(api, user, movie):
    media_file = file_of(movie, "1080p")
    assert _stream(api, media_file).status_code == 200
    User.objects.filter(pk=user.pk).update(role="banned")
    _error(_stream(api, media_file), 403, "banned")


def test_2160p_needs_active_premium_or_invites(api, user, movie):
    uhd, hd = file_of(movie, "2160p"), file_of(movie, "1080p")
    _error(_stream(api, uhd), 403, "quality_locked")
    slot = _stream(api, hd).json()["session"]  # the same player asks again below
    User.objects.filter(pk=user.pk).update(
        role="premium", premium_until=timezone.now() + timedelta(days=1)
    )
    assert _stream(api, uhd, session=slot).status_code == 200
    # Premium ran out: back to free, with no job having run.
    User.objects.filter(pk=user.pk).update(premium_until=timezone.now() - timedelta(seconds=1))
    _error(_stream(api, uhd, session=slot), 403, "quality_locked")
    User.objects.filter(pk=user.pk).update(invited_count=3)
    assert _stream(api, uhd, session=slot).status_code == 200


def test_device_binding(api, user, movie):
    media_file = file_of(movie, "1080p")
    _error(_stream(api, media_file, device=None), 400, "device_required")
    slot = _stream(api, media_file, device="phone").json()["session"]
    _error(_stream(api, media_file, device="laptop"), 403, "device_mismatch")
    # Only the bound device can reset; then the next device binds.
    reset = api.post("/api/me/device/reset/", HTTP_X_DEVICE_FINGERPRINT="laptop")
    _error(reset, 403, "device_mismatch")
    assert api.post("/api/me/device/reset/", HTTP_X_DEVICE_FINGERPRINT="phone").status_code == 204
    assert _stream(api, media_file, device="laptop", session=slot).status_code == 200
    _error(_stream(api, media_file, device="phone"), 403, "device_mismatch")
    user.refresh_from_db()
    assert user.bound_device_hash == services.device_hash("laptop")


def test_rate_limit_per_user(api, user, movie, settings):
    settings.STREAM_RATE_LIMIT = 5
    settings.STREAM_RATE_WINDOW = 60
    media_file = file_of(movie, "1080p")
    slot = _stream(api, media_file).json()["session"]
    for _ in range(4):
        assert _stream(api, media_file, session=slot).status_code == 200
    response = _stream(api, media_file, session=slot)
    _error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    # Refused attempts count too, and the limit is per user.
    _error(_stream(api, media_file, device="elsewhere"), 429, "rate_limited")
    other = UserFactory()
    api.force_login(other)
    assert _stream(api, media_file, device="other").status_code == 200


def test_rate_limit_default_is_30_per_minute(api, user, movie):
    media_file = file_of(movie, "1080p")
    session = _stream(api, media_file).json()["session"]
    for _ in range(29):  # one player re-asking (seeking, switching quality) holds one slot
        assert _stream(api, media_file, session=session).status_code == 200
    response = _stream(api, media_file, session=session)
    _error(response, 429, "rate_limited")
    assert response["Retry-After"]


def test_concurrent_streams_free_one_premium_three(api, user, movie, settings):
    settings.STREAM_CONCURRENT_PREMIUM = 3
    media_file = file_of(movie, "1080p")
    first = _stream(api, media_file).json()["session"]
    # The same player asking again (another episode, quality) keeps its slot.
    assert _stream(api, media_file, session=first).json()["session"] == first
    response = _stream(api, media_file)
    _error(response, 429, "too_many_streams")
    assert response["Retry-After"]
    # The player stops: the slot is free again.
    assert api.delete(f"/api/stream/heartbeat/?session={first}").status_code == 204
    _error(api.delete("/api/stream/heartbeat/"), 400, "invalid")  # which session?
    second = _stream(api, media_file).json()["session"]
    services.user_grant_premium(user=user, days=1, actor=None)
    sessions = {second, _stream(api, media_file).json()["session"]}
    sessions.add(_stream(api, media_file).json()["session"])
    assert len(sessions) == 3
    _error(_stream(api, media_file), 429, "too_many_streams")
    assert services.stream_sessions_active(user=user) == 3


def test_heartbeats_keep_slots_and_lapsed_slots_free_themselves(api, user, movie, settings):
    settings.STREAM_SESSION_TTL = 1
    media_file = file_of(movie, "1080p")
    session = _stream(api, media_file).json()["session"]
    assert (
        api.post("/api/stream/heartbeat/", {"session": session}, format="json").status_code == 204
    )
    import time

    time.sleep(1.2)  # no heartbeat within the TTL
    response = api.post("/api/stream/heartbeat/", {"session": session}, format="json")
    _error(response, 404, "stream_session_expired")
    assert _stream(api, media_file).status_code == 200
    _error(api.post("/api/stream/heartbeat/", {"session": "x"}, format="json"), 400, "invalid")


def test_logout_everywhere_frees_stream_slots(api, user, movie):
    _stream(api, file_of(movie, "1080p"))
    assert services.stream_sessions_active(user=user) == 1
    services.user_logout_everywhere(user=user)
    assert services.stream_sessions_active(user=user) == 0


def test_guest_can_stream_free_qualities(api, movie):
    assert _stream(api, file_of(movie, "1080p")).status_code == 200
    _error(_stream(api, file_of(movie, "2160p")), 403, "quality_locked")


def test_episode_files_are_streamable(api, user, series):
    ep_file = series.files.filter(episode__isnull=False).first()
    assert _stream(api, ep_file).status_code == 200


def test_stream_slots_use_redis_when_configured(user, settings):
    from tests.conftest import _redis_ok, require

    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    import redis

    session = services.stream_session_open(user=user)
    client = redis.Redis.from_url(settings.REDIS_URL)
    key = f"{settings.STREAM_SLOTS_KEY_PREFIX}:{user.pk}"
    assert client.zscore(key, session) is not None
    assert 0 < client.ttl(key) <= settings.STREAM_SESSION_TTL + 1
