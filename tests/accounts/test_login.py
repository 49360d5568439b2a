from __future__ import annotations

import hashlib
import hmac
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.errors import AccountsError
from accounts.models import MagicLinkToken, User, UserKind, WatchProgress, WishlistEntry
from tests.factories import StaffFactory, TitleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _token(link) -> str:
    return parse_qs(urlparse(link.url).query)["token"][0]


def _login(client, user) -> None:
    link = services.user_magic_link(user=user)
    response = client.get("/auth/magic", {"token": _token(link)})
    assert response.status_code == 302, response.content


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert f'<code id="code">{code}</code>' in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_magic_link_logs_in_once_and_redirects(client, settings):
    settings.FRONTEND_URL = "https://watch.example/"
    settings.MAGIC_LINK_BASE_URL = "https://api.example"
    user = UserFactory()
    link = services.user_magic_link(user=user)
    assert link.url.startswith("https://api.example/auth/magic?token=")
    claims = jwt.decode(link.token, options={"verify_signature": False})
    assert claims["sub"] == str(user.pk) and claims["exp"] - claims["iat"] == 600
    assert MagicLinkToken.objects.get(jti=claims["jti"]).user == user

    response = client.get("/auth/magic", {"token": _token(link)})
    assert response.status_code == 302 and response["Location"] == "https://watch.example/"
    assert client.get("/api/me/").json()["id"] == str(user.telegram_id)

    other = Client()
    _refused(other.get("/auth/magic", {"token": link.token}), 409, "link_used")


def test_expired_link_is_refused(client):
    user = UserFactory()
    link = services.user_magic_link(user=user)
    MagicLinkToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    # The row says expired even while the JWT's own exp is still ahead.
    _refused(client.get("/auth/magic", {"token": link.token}), 410, "link_expired")
    # And a JWT past its exp is refused by the signature check's claims.
    token = jwt.encode(
        {"sub": str(user.pk), "jti": "x" * 32, "typ": "magic", "iat": 1, "exp": 2},
        services.auth._magic_key(user),
        algorithm="HS256",
    )
    _refused(client.get("/auth/magic", {"token": token}), 410, "link_expired")


def test_tampered_links_are_refused(client):
    user = UserFactory()
    victim = UserFactory()
    link = services.user_magic_link(user=user)
    header, payload, sig = link.token.split(".")
    claims = jwt.decode(link.token, options={"verify_signature": False})
    # Same signature, claims pointing at another user.
    forged = jwt.encode({**claims, "sub": str(victim.pk)}, "guess" * 8, algorithm="HS256")
    forged = ".".join([*forged.split(".")[:2], sig])
    _refused(client.get("/auth/magic", {"token": forged}), 400, "link_invalid")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    _refused(
        client.get("/auth/magic", {"token": f"{header}.{payload}.{flipped}"}), 400, "link_invalid"
    )
    unsigned = jwt.encode(claims, None, algorithm="none")
    _refused(client.get("/auth/magic", {"token": unsigned}), 400, "link_invalid")
    _refused(client.get("/auth/magic", {"token": "garbage"}), 400, "link_invalid")
    _refused(client.get("/auth/magic"), 400, "link_invalid")
    # The genuine link still works: failed attempts do not burn it.
    assert client.get("/auth/magic", {"token": link.token}).status_code == 302


def test_logout_everywhere_kills_outstanding_links_and_sessions():
    user = UserFactory()
    browser, phone = Client(), Client()
    _login(browser, user)
    _login(phone, user)
    pending = services.user_magic_link(user=user)
    for c in (browser, phone):
        assert c.get("/api/me/").json()["kind"] == "telegram"

    services.user_logout_everywhere(user=user)

    for c in (browser, phone):
        me = c.get("/api/me/").json()  # the old session no longer authenticates
        assert me["kind"] == "guest"
    _refused(Client().get("/auth/magic", {"token": pending.token}), 403, "link_revoked")
    # A new link, issued after the rotation, works.
    _login(Client(), user)


def test_logout_everywhere_ends_admin_sessions_too(client):
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    services.user_logout_everywhere(user=staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_logout_everywhere_api_ends_this_session(client):
    user = UserFactory()
    _login(client, user)
    assert client.post("/api/me/logout-everywhere/").status_code == 204
    assert client.get("/api/me/").json()["kind"] == "guest"


def test_banned_user_cannot_get_or_use_links():
    user = UserFactory()
    link = services.user_magic_link(user=user)
    services.user_ban(user=user, actor=None)
    with pytest.raises(AccountsError) as err:
        services.user_magic_link(user=user)
    assert err.value.code == "banned"
    _refused(Client().get("/auth/magic", {"token": link.token}), 403, "link_revoked")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_uses_log_in_once(postgres, monkeypatch):
    """Eight browsers open the same link at the same instant: one logs in."""
    user = UserFactory()
    link = services.user_magic_link(user=user)
    n = 8
    barrier = threading.Barrier(n)
    real_decode = jwt.decode

    def decode(*args, **kwargs):
        claims = real_decode(*args, **kwargs)
        if kwargs.get("algorithms"):  # the verified decode: everyone reaches the claim together
            barrier.wait(timeout=20)
        return claims

    monkeypatch.setattr(jwt, "decode", decode)
    statuses: list[int] = []
    lock = threading.Lock()

    def use() -> None:
        try:
            status = Client().get("/auth/magic", {"token": link.token}).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [302] + [409] * (n - 1)
    assert MagicLinkToken.objects.get(user=user).used_at is not None


def test_login_merges_the_guest(client, movie, series):
    # As a guest: progress on two titles and a wishlist.
    client.get("/api/me/")
    guest = User.objects.get(kind=UserKind.GUEST)
    client.put(
        f"/api/me/progress/{movie.short_id}/", {"position": 3000}, content_type="application/json"
    )
    client.put(
        f"/api/me/progress/{series.short_id}/",
        {"position": 600, "season": 1, "episode": 2},
        content_type="application/json",
    )
    wanted = TitleFactory(title="Wanted")
    client.post("/api/me/wishlist/", {"short_id": wanted.short_id}, content_type="application/json")
    client.post(
        "/api/me/wishlist/", {"query": "Some Unknown Film"}, content_type="application/json"
    )

    user = UserFactory()
    older = timezone.now() - timedelta(days=1)
    WatchProgress.objects.create(
        user=user, title=movie, position=100, duration=7200, updated_at=older
    )
    newer = timezone.now() + timedelta(minutes=5)
    WatchProgress.objects.create(
        user=user,
        title=series,
        episode=series.episodes.get(season=2, number=1),
        position=900,
        duration=3000,
        updated_at=newer,
    )
    services.wishlist_add(user=user, query="some unknown film")

    _login(client, user)

    assert not User.objects.filter(pk=guest.pk).exists()
    mine = {p.title_id: p for p in WatchProgress.objects.filter(user=user)}
    assert mine[movie.pk].position == 3000  # the guest's was more recent
    assert (mine[series.pk].episode.season, mine[series.pk].position) == (2, 900)  # user's newer
    entries = WishlistEntry.objects.filter(user=user)
    assert entries.count() == 2
    assert {e.title_id for e in entries} == {wanted.pk, None}
    assert client.get("/api/me/").json()["id"] == str(user.telegram_id)


def test_merge_registry_lets_other_models_join(monkeypatch):
    calls = []

    def merge_comments(guest, into):
        calls.append((guest.pk, into.pk))

    monkeypatch.setattr(services.auth, "GUEST_MERGERS", [*services.auth.GUEST_MERGERS])
    services.guest_merger(merge_comments)
    guest, user = services.guest_create(), UserFactory()
    assert services.guest_merge(guest=guest, into=user) is True
    assert calls == [(guest.pk, user.pk)]
    assert services.guest_merge(guest=user, into=guest) is False  # only guests merge


# --- Telegram Login Widget ------------------------------------------------------------------

BOT_TOKEN = "123456:TEST-bot-token"


def _widget(fields: dict, token: str = BOT_TOKEN) -> dict:
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hashlib.sha256(token.encode()).digest()
    return {**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()}


@pytest.fixture
def bot(settings):
    settings.TELEGRAM_LOGIN_BOT_TOKEN = BOT_TOKEN
    settings.TELEGRAM_LOGIN_MAX_AGE = 3600


def test_telegram_widget_logs_in_and_merges_guest(client, bot, movie):
    client.put(
        f"/api/me/progress/{movie.short_id}/", {"position": 3000}, content_type="application/json"
    )
    data = _widget(
        {"id": 777, "first_name": "Ann", "username": "ann", "auth_date": int(time.time())}
    )
    response = client.post("/api/auth/telegram/", data, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == "777" and response.json()["first_name"] == "Ann"
    user = User.objects.get(telegram_id=777)
    assert WatchProgress.objects.get(title=movie).user == user
    assert not User.objects.filter(kind=UserKind.GUEST).exists()


def test_telegram_widget_redirect_mode(client, bot, settings):
    settings.FRONTEND_URL = "https://watch.example/"
    data = _widget({"id": 778, "first_name": "Bo", "auth_date": int(time.time())})
    response = client.get("/auth/telegram", data)
    assert response.status_code == 302 and response["Location"] == "https://watch.example/"
    assert client.get("/api/me/").json()["id"] == "778"


def test_telegram_widget_rejects_bad_hash_stale_date_and_other_bot(client, bot):
    now = int(time.time())
    good = _widget({"id": 9, "first_name": "X", "auth_date": now})

    def post(data):
        return Client().post("/api/auth/telegram/", data, content_type="application/json")

    tampered = {**good, "id": 10}
    assert post(tampered).json()["error"]["code"] == "telegram_auth_invalid"
    other_bot = _widget({"id": 9, "first_name": "X", "auth_date": now}, token="999:other")
    assert post(other_bot).status_code == 401
    stale = _widget({"id": 9, "first_name": "X", "auth_date": now - 3601})
    response = post(stale)
    assert (
        response.status_code == 401 and response.json()["error"]["code"] == "telegram_auth_expired"
    )
    assert not User.objects.filter(telegram_id__in=[9, 10]).exists()
    assert post(good).status_code == 200


def test_telegram_widget_disabled_without_token(client, settings):
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    data = _widget({"id": 9, "auth_date": int(time.time())})
    response = client.post("/api/auth/telegram/", data, content_type="application/json")
    assert response.status_code == 503
