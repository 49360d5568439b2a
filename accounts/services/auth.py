"""Logging in: single-use magic links (JWT), the Telegram Login Widget, and merging the
guest a visitor was before logging in into their Telegram user."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.parsing import ascii_int

from ..errors import AccountsError
from ..models import MagicLinkToken, ReadProgress, User, UserKind, WatchProgress, WishlistEntry
from .users import user_register_telegram, users_delete

log = logging.getLogger("accounts")

_ALGORITHM = "HS256"
_TOKEN_TYPE = "magic"

# --- magic links ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MagicLink:
    url: str
    token: str
    expires_at: datetime


def _magic_key(user: User) -> bytes:
    # SECRET_KEY (through salted_hmac) + the user's rotating secret: rotating it invalidates
    # every link of this user and no other's.
    return salted_hmac(
        "accounts.magic_link", f"{user.pk}:{user.auth_token_secret}", algorithm="sha256"
    ).digest()


def user_magic_link(*, user: User) -> MagicLink:
    """Issue a single-use login link valid MAGIC_LINK_TTL seconds (the bot's ``/login``)."""
    if user.kind != UserKind.TELEGRAM:
        raise AccountsError("not_telegram_user", "Only Telegram users log in with a link.")
    if user.is_banned:
        raise AccountsError("banned", "This account is banned.", status=403)
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.MAGIC_LINK_TTL)
    jti = uuid.uuid4().hex
    with transaction.atomic():
        # One live link per user: a new /login revokes the ones before it, so an old link
        # left in a chat history (or a forwarded message) no longer logs anyone in.
        MagicLinkToken.objects.filter(
            user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(revoked_at=now)
        MagicLinkToken.objects.create(jti=jti, user=user, expires_at=expires_at)
    token = jwt.encode(
        {
            "sub": str(user.pk),
            "jti": jti,
            "typ": _TOKEN_TYPE,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        },
        _magic_key(user),
        algorithm=_ALGORITHM,
    )
    url = f"{settings.MAGIC_LINK_BASE_URL.rstrip('/')}/auth/magic?{urlencode({'token': token})}"
    return MagicLink(url=url, token=token, expires_at=expires_at)


def _invalid() -> AccountsError:
    return AccountsError("link_invalid", "This login link is not valid.", status=400)


def _refused(row: MagicLinkToken | None) -> AccountsError:
    if row is None:
        return _invalid()
    if row.revoked_at is not None:
        return AccountsError(
            "link_revoked", "This login link was revoked. Ask the bot for a new one.", status=403
        )
    if row.used_at is not None:
        return AccountsError(
            "link_used", "This login link was already used. Ask the bot for a new one.", status=409
        )
    return AccountsError(
        "link_expired", "This login link has expired. Ask the bot for a new one.", status=410
    )


def magic_link_consume(*, token: str) -> User:
    """Validate a magic link and spend it. Exactly one caller wins a link: the claim is a
    conditional UPDATE (unused, unrevoked, unexpired), so two simultaneous uses log in once."""
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise _invalid() from None
    sub, jti = unverified.get("sub"), unverified.get("jti")
    # Unverified input: bound it before it reaches a query (bigint, the jti column).
    user_id = ascii_int(sub)
    if user_id is None:
        raise _invalid()
    if not isinstance(jti, str) or len(jti) > 32:
        raise _invalid()
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise _invalid()
    row = MagicLinkToken.objects.filter(jti=jti, user=user).first()
    try:
        claims = jwt.decode(
            token,
            _magic_key(user),
            algorithms=[_ALGORITHM],
            options={"require": ["exp", "iat", "jti", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        # The signature checked out (PyJWT verifies it before the claims).
        if row is not None and (row.revoked_at or row.used_at):
            raise _refused(row) from None
        raise AccountsError(
            "link_expired", "This login link has expired. Ask the bot for a new one.", status=410
        ) from None
    except jwt.InvalidSignatureError:
        # Signed with an older secret (logout everywhere, ban) or tampered with.
        if row is not None and row.revoked_at is not None:
            raise _refused(row) from None
        raise _invalid() from None
    except jwt.InvalidTokenError:
        raise _invalid() from None
    if claims.get("typ") != _TOKEN_TYPE or row is None:
        raise _invalid()
    now = timezone.now()
    claimed = MagicLinkToken.objects.filter(
        pk=row.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if claimed != 1:
        row.refresh_from_db()
        raise _refused(row)
    user.refresh_from_db()
    if user.is_banned:
        raise AccountsError("banned", "This account is banned.", status=403)
    return user


def magic_links_purge(*, grace: timedelta = timedelta(days=1)) -> int:
    """Drop link records past expiry + ``grace``. A purged link still fails: its JWT has
    expired (``link_expired``) or no longer verifies (``link_invalid``)."""
    cutoff = timezone.now() - grace
    return MagicLinkToken.objects.filter(expires_at__lt=cutoff).delete()[0]


# --- Telegram Login Widget ------------------------------------------------------------------

_HEX64 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_DIGITS18 = re.compile(r"[0-9]{1,18}", re.ASCII)
_DIGITS11 = re.compile(r"[0-9]{1,11}", re.ASCII)


def telegram_login_verify(
    *, data: Mapping[str, Any], bot_token: str | None = None, now: float | None = None
) -> dict[str, str]:
    """Check the widget's payload: HMAC-SHA256 of the sorted ``key=value`` lines, keyed with
    SHA-256 of the bot token, and ``auth_date`` no older than TELEGRAM_LOGIN_MAX_AGE."""
    token = settings.TELEGRAM_LOGIN_BOT_TOKEN if bot_token is None else bot_token
    if not token:
        raise AccountsError(
            "telegram_login_unavailable", "Telegram login is not configured.", status=503
        )
    fields = {str(k): str(v) for k, v in data.items() if v is not None}
    received = fields.pop("hash", "")
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    secret = hashlib.sha256(token.encode()).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not _HEX64.fullmatch(received) or not hmac.compare_digest(expected, received.lower()):
        raise AccountsError(
            "telegram_auth_invalid", "The Telegram login data is not valid.", status=401
        )
    tg_id, auth_date = fields.get("id", ""), fields.get("auth_date", "")
    if not (_DIGITS18.fullmatch(tg_id) and _DIGITS11.fullmatch(auth_date)):
        raise AccountsError(
            "telegram_auth_invalid", "The Telegram login data is not valid.", status=401
        )
    age = (time.time() if now is None else now) - int(fields["auth_date"])
    if age > settings.TELEGRAM_LOGIN_MAX_AGE or age < -60:
        raise AccountsError(
            "telegram_auth_expired", "The Telegram login has expired; log in again.", status=401
        )
    return fields


def user_login_telegram_widget(*, data: Mapping[str, Any]) -> User:
    fields = telegram_login_verify(data=data)
    user = user_register_telegram(
        telegram_id=int(fields["id"]), first_name=fields.get("first_name", "")
    )
    if user.is_banned:
        raise AccountsError("banned", "This account is banned.", status=403)
    return user


# --- guest merge ----------------------------------------------------------------------------

GuestMerger = Callable[[User, User], None]
GUEST_MERGERS: list[GuestMerger] = []


def guest_merger(fn: GuestMerger) -> GuestMerger:
    """Register ``fn(guest, user)``: it moves what ``guest`` owns of one kind to ``user``
    before the guest is deleted. Other apps register theirs (comments) in their ``ready``."""
    if fn not in GUEST_MERGERS:
        GUEST_MERGERS.append(fn)
    return fn


def guest_merge(*, guest: User, into: User) -> bool:
    """Move the guest's progress, wishlist and whatever else is registered to ``into``, then
    delete the guest. Only a guest merges; returns False otherwise."""
    if guest.kind != UserKind.GUEST or guest.pk == into.pk:
        return False
    with transaction.atomic():
        for merger in GUEST_MERGERS:
            merger(guest, into)
        users_delete(user_ids=[guest.pk])
    return True


@guest_merger
def _merge_watch_progress(guest: User, into: User) -> None:
    """Per title, the most recently updated position wins."""
    mine = {p.title_id: p for p in WatchProgress.objects.filter(user=into)}
    for theirs in WatchProgress.objects.filter(user=guest):
        current = mine.get(theirs.title_id)
        if current is None:
            WatchProgress.objects.filter(pk=theirs.pk).update(user=into)
        elif theirs.updated_at > current.updated_at:
            WatchProgress.objects.filter(pk=current.pk).update(
                episode_id=theirs.episode_id,
                position=theirs.position,
                duration=theirs.duration,
                updated_at=theirs.updated_at,
            )


@guest_merger
def _merge_read_progress(guest: User, into: User) -> None:
    mine = {p.manga_id: p for p in ReadProgress.objects.filter(user=into)}
    for theirs in ReadProgress.objects.filter(user=guest):
        current = mine.get(theirs.manga_id)
        if current is None:
            ReadProgress.objects.filter(pk=theirs.pk).update(user=into)
        elif theirs.updated_at > current.updated_at:
            ReadProgress.objects.filter(pk=current.pk).update(
                chapter_id=theirs.chapter_id, page=theirs.page, updated_at=theirs.updated_at
            )


@guest_merger
def _merge_wishlist(guest: User, into: User) -> None:
    """Union: the guest's entries the user does not have move over."""
    titles = set(
        WishlistEntry.objects.filter(user=into, title__isnull=False).values_list(
            "title_id", flat=True
        )
    )
    queries = set(
        WishlistEntry.objects.filter(user=into, title__isnull=True).values_list(
            "query_clean", flat=True
        )
    )
    for entry in WishlistEntry.objects.filter(user=guest):
        duplicate = entry.title_id in titles if entry.title_id else entry.query_clean in queries
        if not duplicate:
            WishlistEntry.objects.filter(pk=entry.pk).update(user=into)
