"""Email logins: register with an address and a password, verify the address by a single-use
expiring link, sign in, reset a forgotten password, and add an email login to a Telegram
account. Passwords go through Django's hashers and validators and are never logged or
returned; tokens are kept as their SHA-256 only; every door is rate-limited per client address
and per address given (429 with Retry-After). Registration and reset answer the same whether
or not the address has an account, so neither tells a stranger who is registered."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.ratelimit import window_hit

from ..errors import AccountsError
from ..models import EmailToken, EmailTokenPurpose, User, UserKind, new_auth_token_secret

log = logging.getLogger(__name__)
WINDOWS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def _rate(spec: str) -> tuple[int, int]:
    count, _, unit = spec.partition("/")
    return int(count), WINDOWS[unit]


def _limit(scope: str, ident: str, spec: str) -> None:
    limit, window = _rate(spec)
    key = hashlib.sha256(ident.encode()).hexdigest()[:32]
    wait = window_hit(key=f"accounts:{scope}:{key}", limit=limit, window=window)
    if wait is not None:
        raise AccountsError(
            "rate_limited", "Too many attempts; try again later.", status=429, retry_after=wait
        )


def email_normalize(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountsError(
            "invalid", "Not an email address.", fields={"email": ["Not an email address."]}
        ) from None
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _password_check(password: str, user: User | None) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise AccountsError(
            "invalid", "The password is too weak.", fields={"password": list(exc.messages)}
        ) from None


def _token_make(*, user: User, purpose: str, email: str) -> str:
    token = secrets.token_urlsafe(32)
    ttl = (
        timedelta(hours=settings.ACCOUNTS_VERIFY_HOURS)
        if purpose == EmailTokenPurpose.VERIFY
        else timedelta(minutes=settings.ACCOUNTS_RESET_MINUTES)
    )
    EmailToken.objects.create(
        user=user,
        purpose=purpose,
        email=email,
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        expires_at=timezone.now() + ttl,
    )
    return token


def _token_spend(*, token: str, purpose: str) -> EmailToken:
    """Use a token once. Unknown, used and expired tokens are refused alike (410 for an
    expired one, so the page can offer a new link)."""
    digest = hashlib.sha256((token or "").encode()).hexdigest()
    row = (
        EmailToken.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=digest, purpose=purpose)
        .first()
    )
    if row is None or row.used_at is not None:
        raise AccountsError(
            "invalid_token", "This link is not valid (or was used already).", status=404
        )
    if row.expires_at <= timezone.now():
        raise AccountsError(
            "expired_token", "This link has expired; ask for a new one.", status=410
        )
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    return row


def _send(to: str, subject: str, body: str) -> None:
    """Send after the transaction commits; a failure is logged (without the link) and the
    user asks again."""

    def deliver() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        except Exception as exc:
            log.warning("could not send %r to a user: %s", subject, type(exc).__name__)

    transaction.on_commit(deliver)


def _link(path: str, token: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}{token}/"


def _send_verification(user: User, email: str) -> None:
    token = _token_make(user=user, purpose=EmailTokenPurpose.VERIFY, email=email)
    _send(
        email,
        "Confirm your email address",
        "Open this link to confirm your address for StreamVault:\n\n"
        f"{_link('/auth/email/verify/', token)}\n\n"
        f"It works once, for {settings.ACCOUNTS_VERIFY_HOURS} hours. "
        "If you did not sign up, ignore this message.",
    )


@transaction.atomic
def email_register(*, email: str, password: str, name: str = "", ip: str | None) -> None:
    """Make an email account and send the verification link. An address that has an account
    gets a note instead (nothing else changes), so the answer is the same either way."""
    _limit("register-ip", ip or "unknown", settings.ACCOUNTS_REGISTER_RATE)
    email = email_normalize(email)
    _limit("register-email", email.lower(), settings.ACCOUNTS_REGISTER_RATE)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        _send(
            email,
            "Someone tried to sign up with your address",
            "An account with this address exists already. If it was you, sign in, or reset "
            f"your password at {settings.SITE_URL.rstrip('/')}/account/.",
        )
        return
    _password_check(password, User(username=email, email=email, first_name=name))
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=email.lower(),
                email=email,
                password=password,
                first_name=name[:150],
                kind=UserKind.EMAIL,
            )
    except IntegrityError:
        return  # registered by a request a moment ago: the same answer
    _send_verification(user, email)


@transaction.atomic
def email_verify(*, token: str) -> User:
    row = _token_spend(token=token, purpose=EmailTokenPurpose.VERIFY)
    user = row.user
    if user.email.lower() != row.email.lower():
        raise AccountsError("invalid_token", "This link is for an address you changed since.")
    user.email_verified = True
    user.save(update_fields=["email_verified"])
    return user


def email_login(*, email: str, password: str, ip: str | None) -> User:
    _limit("login-ip", ip or "unknown", settings.ACCOUNTS_LOGIN_IP_RATE)
    email = email_normalize(email)
    _limit("login-email", email.lower(), settings.ACCOUNTS_LOGIN_ACCOUNT_RATE)
    user = User.objects.filter(email__iexact=email).first()
    if user is None or not user.has_usable_password() or not user.check_password(password):
        raise AccountsError("invalid_credentials", "Wrong email address or password.", status=401)
    if not user.is_active or user.is_banned:
        raise AccountsError("account_disabled", "This account is disabled.", status=403)
    return user


@transaction.atomic
def password_reset_request(*, email: str, ip: str | None) -> None:
    """Send a reset link if the address has an account (the same answer either way)."""
    _limit("reset-ip", ip or "unknown", settings.ACCOUNTS_RESET_RATE)
    email = email_normalize(email)
    _limit("reset-email", email.lower(), settings.ACCOUNTS_RESET_RATE)
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    token = _token_make(user=user, purpose=EmailTokenPurpose.RESET, email=user.email)
    _send(
        user.email,
        "Reset your password",
        "Open this link to choose a new password for StreamVault:\n\n"
        f"{_link('/auth/email/reset/', token)}\n\n"
        f"It works once, for {settings.ACCOUNTS_RESET_MINUTES} minutes. "
        "If you did not ask for it, ignore this message: your password stays as it is.",
    )


@transaction.atomic
def password_reset_confirm(*, token: str, password: str) -> User:
    """Set a new password with a reset token; every other session of the account ends, and the
    address counts as verified (the link reached its inbox)."""
    row = _token_spend(token=token, purpose=EmailTokenPurpose.RESET)
    user = row.user
    _password_check(password, user)
    user.set_password(password)
    user.auth_token_secret = new_auth_token_secret()
    user.email_verified = user.email_verified or user.email.lower() == row.email.lower()
    user.save(update_fields=["password", "auth_token_secret", "email_verified"])
    EmailToken.objects.filter(user=user, purpose=EmailTokenPurpose.RESET, used_at=None).update(
        used_at=timezone.now()
    )
    return user


@transaction.atomic
def email_login_add(*, user: User, email: str, password: str) -> User:
    """A Telegram user adds an email login to the same account (verified by a link)."""
    if user.kind == UserKind.GUEST:
        raise AccountsError("forbidden", "Sign in first.", status=403)
    email = email_normalize(email)
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise AccountsError(
            "email_taken",
            "Another account uses this address.",
            status=409,
            fields={"email": ["Another account uses this address."]},
        )
    _password_check(password, user)
    user.email = email
    user.email_verified = False
    user.set_password(password)
    user.save(update_fields=["email", "email_verified", "password"])
    _send_verification(user, email)
    return user


def email_verification_resend(*, user: User, ip: str | None) -> None:
    _limit("register-ip", ip or "unknown", settings.ACCOUNTS_REGISTER_RATE)
    if user.email and not user.email_verified:
        with transaction.atomic():
            _send_verification(user, user.email)


def account_summary(user: User) -> dict[str, Any]:
    return {"email": user.email, "email_verified": user.email_verified}
