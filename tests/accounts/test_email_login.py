"""Email logins through a real SMTP server on loopback: register, read the mail, follow the
single-use link, sign in; reset a forgotten password (other sessions end); a Telegram user adds
an email login to the same account; the doors are rate-limited (429 with Retry-After); the
answers do not tell who is registered; passwords appear nowhere."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import EmailToken, User, UserKind
from tests.factories import UserFactory
from tests.support.media import free_port
from tests.support.smtp import smtp_start

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def inbox(settings):
    port = free_port()
    controller, mail = smtp_start(port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = "http://testserver"
    cache.clear()
    try:
        yield mail
    finally:
        controller.stop()


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _path(link: str) -> str:
    return link.removeprefix("http://testserver")


def test_register_verify_by_the_link_and_sign_in(
    client, inbox, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client,
            "/api/auth/email/register/",
            {"email": "Ada@Example.ORG", "password": PASSWORD, "name": "Ada"},
        )
    assert response.status_code == 202
    user = User.objects.get(email="Ada@example.org")
    assert (user.kind, user.email_verified, user.username) == (
        UserKind.EMAIL,
        False,
        "ada@example.org",
    )
    assert user.check_password(PASSWORD)
    mail = inbox.wait(1)[0]
    assert mail["To"] == "Ada@example.org" and mail["Subject"] == "Confirm your email address"
    link = inbox.link()
    assert link.startswith("http://testserver/auth/email/verify/")
    page = client.get(_path(link), follow=True)
    assert page.redirect_chain == [("/auth/email/verify/", 302)]  # the token leaves the URL
    assert page.status_code == 200 and b"Confirm and sign in" in page.content
    user.refresh_from_db()
    assert not user.email_verified  # a GET (a mail scanner) confirms nothing
    confirmed = client.post("/auth/email/verify/")
    assert confirmed.status_code == 302
    user.refresh_from_db()
    assert user.email_verified
    assert client.get("/api/me/").json()["kind"] == "email"
    again = Client()
    again.get(_path(link))
    assert again.post("/auth/email/verify/").status_code == 404  # single use
    # Sign in elsewhere with the password; a wrong one is refused alike for any address.
    other = Client()
    assert (
        _post(
            other, "/api/auth/email/login/", {"email": "ada@example.org", "password": PASSWORD}
        ).status_code
        == 200
    )
    wrong = _post(
        Client(), "/api/auth/email/login/", {"email": "ada@example.org", "password": "nope-nope"}
    )
    nobody = _post(
        Client(), "/api/auth/email/login/", {"email": "bob@example.org", "password": "nope-nope"}
    )
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json()
    # Our logs (not the test SMTP server's, which logs what it receives) hold no secret.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert PASSWORD not in ours and "nope-nope" not in ours
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in ours and not EmailToken.objects.filter(token_hash=token).exists()


def test_registering_a_taken_address_answers_the_same_and_warns_its_owner(
    client, inbox, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.org", kind=UserKind.EMAIL, telegram_id=None)
    with django_capture_on_commit_callbacks(execute=True):
        taken = _post(
            client,
            "/api/auth/email/register/",
            {"email": "TAKEN@example.org", "password": PASSWORD},
        )
        fresh = _post(
            client, "/api/auth/email/register/", {"email": "new@example.org", "password": PASSWORD}
        )
    assert taken.status_code == fresh.status_code == 202 and taken.json() == fresh.json()
    subjects = sorted(m["Subject"] for m in inbox.wait(2))
    assert subjects == ["Confirm your email address", "Someone tried to sign up with your address"]
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1


def test_weak_passwords_are_refused_with_the_validators_reasons(client, inbox):
    response = _post(
        client, "/api/auth/email/register/", {"email": "w@example.org", "password": "password"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"] == ["This password is too common."]
    assert not User.objects.filter(email="w@example.org").exists()


def test_reset_with_a_single_use_expiring_link_ends_other_sessions(
    inbox, django_capture_on_commit_callbacks
):
    user = User.objects.create_user(
        username="r@example.org", email="r@example.org", password=PASSWORD, kind=UserKind.EMAIL
    )
    elsewhere = Client()
    assert (
        _post(
            elsewhere, "/api/auth/email/login/", {"email": "r@example.org", "password": PASSWORD}
        ).status_code
        == 200
    )
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            _post(client, "/api/auth/email/reset/", {"email": "r@example.org"}).status_code == 202
        )
        assert (
            _post(client, "/api/auth/email/reset/", {"email": "nobody@example.org"}).status_code
            == 202
        )
    inbox.wait(1)
    assert len(inbox.messages) == 1  # nothing is sent for an address with no account
    link = _path(inbox.link())
    assert link.startswith("/auth/email/reset/")
    client.get(link)  # the token moves into the session; the form is at a URL without it
    link = "/auth/email/reset/"
    mismatch = client.post(
        link, {"password": "a new long passphrase", "password_again": "different"}
    )
    assert mismatch.status_code == 400
    saved = client.post(
        link, {"password": "a new long passphrase", "password_again": "a new long passphrase"}
    )
    assert saved.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new long passphrase") and user.email_verified
    assert (
        elsewhere.get("/api/me/").status_code in (401, 403)
        or elsewhere.get("/api/me/").json()["kind"] == "guest"
    )
    assert client.post(link, {"password": "x" * 12, "password_again": "x" * 12}).status_code == 404
    # An expired link says so.
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, "/api/auth/email/reset/", {"email": "r@example.org"})
    inbox.wait(2)
    EmailToken.objects.filter(used_at=None).update(expires_at=timezone.now() - timedelta(seconds=1))
    token = inbox.link().rstrip("/").rsplit("/", 1)[1]
    expired = _post(
        client, "/api/auth/email/reset/confirm/", {"token": token, "password": "another long one"}
    )
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "expired_token"


def test_a_telegram_user_adds_an_email_login_to_the_same_account(
    client, inbox, django_capture_on_commit_callbacks
):
    telegram = UserFactory()
    client.force_login(telegram)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            client, "/api/me/email/", {"email": "tg@example.org", "password": PASSWORD}
        )
    assert response.status_code == 200
    assert response.json() == {"email": "tg@example.org", "email_verified": False}
    inbox.wait(1)
    client.get(_path(inbox.link()))
    assert client.post("/auth/email/verify/").status_code == 302
    other = Client()
    signed = _post(
        other, "/api/auth/email/login/", {"email": "tg@example.org", "password": PASSWORD}
    )
    assert signed.status_code == 200
    assert signed.json()["id"] == str(telegram.telegram_id)  # the same account
    UserFactory(email="used@example.org")
    taken = _post(client, "/api/me/email/", {"email": "USED@example.org", "password": PASSWORD})
    assert taken.status_code == 400 and "email" in taken.json()["error"]["fields"]


def test_sign_in_is_rate_limited_per_address_and_per_account(settings, inbox):
    settings.ACCOUNTS_LOGIN_ACCOUNT_RATE = "3/hour"
    settings.ACCOUNTS_LOGIN_IP_RATE = "5/hour"
    body = {"email": "target@example.org", "password": "guess-guess"}
    statuses = [
        _post(Client(REMOTE_ADDR=f"10.0.0.{n}"), "/api/auth/email/login/", body).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]  # one account, many addresses
    limited = _post(Client(), "/api/auth/email/login/", body)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    one_address = Client(REMOTE_ADDR="10.9.9.9")
    codes = [
        _post(
            one_address, "/api/auth/email/login/", {**body, "email": f"u{n}@example.org"}
        ).status_code
        for n in range(6)
    ]
    assert codes == [401] * 5 + [429]  # one address, many accounts
    settings.ACCOUNTS_REGISTER_RATE = "2/hour"
    reg = Client(REMOTE_ADDR="10.8.8.8")
    made = [
        _post(
            reg, "/api/auth/email/register/", {"email": f"r{n}@example.org", "password": PASSWORD}
        ).status_code
        for n in range(3)
    ]
    assert made == [202, 202, 429]
