"""Users: Telegram registration and referrals, guests, roles and premium, bans, logout
everywhere, device binding."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.services.sessions import stream_sessions_clear
from catalog.models import IntroVote
from catalog.services import title_documents_rebuild
from core.audit import audit_record
from core.ratelimit import window_hit

from ..errors import AccountsError
from ..models import MagicLinkToken, Role, User, UserKind, new_auth_token_secret

log = logging.getLogger("accounts")


def _audit(*, actor: User | None, action: str, user: User, before: dict, after: dict) -> None:
    """One AuditEntry (medic's audit log) per moderation action, in its transaction. Values
    only: never the secret or the device hash."""

    audit_record(actor=actor, action=action, target=user, before=before, after=after)


_REFERRAL_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud safely
# Serializes referral writes on PostgreSQL so two concurrent referrals cannot close a cycle.
_REFERRAL_LOCK_KEY = 0x5F5E_0001
_MAX_CHAIN = 10_000


def _referral_code_new() -> str:
    for _ in range(10):
        code = "".join(secrets.choice(_REFERRAL_ALPHABET) for _ in range(8))
        if not User.objects.filter(referral_code=code).exists():
            return code
    raise RuntimeError("could not find a free referral code")


def guest_creation_allowed(*, ip: str | None) -> float | None:
    """Count one guest made for this client address; past ``GUEST_CREATE_RATE`` the seconds to
    wait (the caller answers 429), else None."""
    limit, window = _rate(settings.GUEST_CREATE_RATE)
    return window_hit(key=f"accounts:guests:{ip or 'unknown'}", limit=limit, window=window)


def _rate(rate: str) -> tuple[int, int]:
    """ "30/hour" → (30, 3600), as DRF writes rates."""
    number, _, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[:1]]
    return int(number), seconds


def guest_create(*, ip: str | None = None) -> User:
    key = secrets.token_hex(8)
    user = User(username=f"guest_{key}", kind=UserKind.GUEST, guest_key=key, last_ip=ip)
    user.set_unusable_password()
    user.save()
    return user


def user_touch(*, user: User, ip: str | None = None) -> None:
    """Record activity (for the guest purge) at most hourly, and the last IP when it changes,
    so a busy user does not write a row per request."""
    now = timezone.now()
    changes: dict = {}
    if user.last_seen_at is None or now - user.last_seen_at > timedelta(hours=1):
        changes["last_seen_at"] = now
    if ip and ip != user.last_ip:
        changes["last_ip"] = ip
    if changes:
        User.objects.filter(pk=user.pk).update(**changes)
        for field, value in changes.items():
            setattr(user, field, value)


def user_register_telegram(
    *, telegram_id: int, first_name: str = "", ref_code: str | None = None
) -> User:
    """Get or create the Telegram user (used by the bot's ``/start ref_CODE`` and by Telegram
    login). A referral code is applied when the user has no inviter yet; an invalid, own or
    cycle-closing code is ignored."""
    first_name = (first_name or "").strip()[:150]
    with transaction.atomic():
        user = User.objects.filter(telegram_id=telegram_id).first()
        if user is None:
            try:
                with transaction.atomic():
                    user = User(
                        username=f"tg_{telegram_id}",
                        kind=UserKind.TELEGRAM,
                        telegram_id=telegram_id,
                        first_name=first_name,
                        referral_code=_referral_code_new(),
                    )
                    user.set_unusable_password()
                    user.save()
            except IntegrityError:  # registered by a concurrent request
                user = User.objects.get(telegram_id=telegram_id)
        elif first_name and first_name != user.first_name:
            User.objects.filter(pk=user.pk).update(first_name=first_name)
            user.first_name = first_name
        if user.referral_code is None:
            user.referral_code = _referral_code_new()
            User.objects.filter(pk=user.pk).update(referral_code=user.referral_code)
        if ref_code:
            referral_apply(user=user, code=ref_code)
    return user


class Referral(StrEnum):
    """What became of a referral code (``referral_apply``): only ``applied`` changed anything."""

    APPLIED = "applied"
    UNKNOWN = "unknown_code"
    OWN = "own_code"
    ALREADY = "already_invited"
    CYCLE = "cycle"
    NOT_TELEGRAM = "not_telegram"


def referral_apply(*, user: User, code: str) -> Referral:
    """Set ``user.invited_by`` to the owner of ``code`` once, and count the invite. Refused
    (nothing changes): an unknown code, the user's own, a guest on either side, a user already
    invited, or a code whose owner was invited (directly or not) by this user."""
    code = code.strip().lower()
    if user.kind != UserKind.TELEGRAM:
        return Referral.NOT_TELEGRAM
    if not code:
        return Referral.UNKNOWN
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REFERRAL_LOCK_KEY])
        inviter = (
            User.objects.filter(referral_code=code, kind=UserKind.TELEGRAM)
            .only("pk", "invited_by_id")
            .first()
        )
        if inviter is None:
            return Referral.UNKNOWN
        if inviter.pk == user.pk:
            return Referral.OWN
        if User.objects.filter(pk=user.pk, invited_by__isnull=False).exists():
            return Referral.ALREADY
        # Walk up the inviter's chain: reaching the user would close a cycle.
        node: int | None = inviter.pk
        seen: set[int] = set()
        while node is not None and len(seen) < _MAX_CHAIN:
            if node == user.pk:
                return Referral.CYCLE
            if node in seen:
                break
            seen.add(node)
            node = User.objects.filter(pk=node).values_list("invited_by_id", flat=True).first()
        claimed = User.objects.filter(pk=user.pk, invited_by__isnull=True).update(
            invited_by=inviter
        )
        if not claimed:
            return Referral.ALREADY
        User.objects.filter(pk=inviter.pk).update(invited_count=F("invited_count") + 1)
    user.invited_by_id = inviter.pk
    return Referral.APPLIED


def quality_height(quality: str) -> int:
    digits = "".join(ch for ch in quality if ch.isdigit())
    if quality.lower() in {"4k", "uhd"}:
        return 2160
    return int(digits) if digits else 0


def quality_needs_unlock(quality: str) -> bool:
    return quality_height(quality) >= settings.PREMIUM_QUALITY_MIN_HEIGHT


def user_can_stream_quality(*, user: User, quality: str) -> bool:
    """2160p and up: premium (not expired), or at least REFERRAL_UNLOCK_INVITES invites."""
    if not quality_needs_unlock(quality):
        return True
    return user.premium_active or user.invited_count >= settings.REFERRAL_UNLOCK_INVITES


def user_update_profile(*, user: User, first_name: str | None = None) -> User:
    if first_name is not None:
        user.first_name = first_name.strip()[:150]
        User.objects.filter(pk=user.pk).update(first_name=user.first_name)
    return user


def _rotate_secret(user: User) -> None:
    now = timezone.now()
    user.auth_token_secret = new_auth_token_secret()
    User.objects.filter(pk=user.pk).update(auth_token_secret=user.auth_token_secret)
    MagicLinkToken.objects.filter(
        user_id=user.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)


def user_logout_everywhere(*, user: User, actor: User | None = None) -> None:
    """Rotate ``auth_token_secret``: every outstanding magic link and every session of the user
    (whose session hash includes the secret) stops working at once; open streams are
    released."""
    staff_target_guard(actor=actor, user=user)
    with transaction.atomic():
        _rotate_secret(user)
        _audit(actor=actor or user, action="user_logout_everywhere", user=user, before={}, after={})
    stream_sessions_clear(user_id=user.pk)


def staff_target_guard(*, actor: User | None, user: User) -> None:
    """Moderators act on viewers, not on the staff: only a superuser may ban, log out, unbind
    or change the plan of a staff user or a superuser (the system, ``actor`` None, may)."""
    if actor is None or actor.pk == user.pk or getattr(actor, "is_superuser", False):
        return
    if user.is_staff or user.is_superuser:
        raise AccountsError(
            "forbidden", "Only a superuser can do that to a staff account.", status=403
        )


def user_ban(*, user: User, actor: User | None) -> bool:
    """Role banned and logged out everywhere. Idempotent: False when already banned."""
    staff_target_guard(actor=actor, user=user)
    if user.role == Role.BANNED:
        return False

    before = user.role
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(role=Role.BANNED)
        user.role = Role.BANNED
        _rotate_secret(user)
        _audit(
            actor=actor,
            action="user_ban",
            user=user,
            before={"role": before},
            after={"role": Role.BANNED},
        )
    stream_sessions_clear(user_id=user.pk)
    return True


def user_unban(*, user: User, actor: User | None) -> bool:
    """Back to premium if paid time remains, else free. Idempotent."""
    staff_target_guard(actor=actor, user=user)
    if user.role != Role.BANNED:
        return False
    active = user.premium_until is not None and user.premium_until > timezone.now()
    user.role = Role.PREMIUM if active else Role.FREE
    with transaction.atomic():
        if not User.objects.filter(pk=user.pk, role=Role.BANNED).update(role=user.role):
            return False
        _audit(
            actor=actor,
            action="user_unban",
            user=user,
            before={"role": Role.BANNED},
            after={"role": user.role},
        )
    return True


def user_grant_premium(*, user: User, days: int, actor: User | None) -> User:
    """Add ``days`` of premium, from the current end if still running, else from now."""
    staff_target_guard(actor=actor, user=user)
    if days < 1:
        raise AccountsError("invalid", "Grant at least one day.", fields={"days": ["Min 1."]})
    if user.role == Role.BANNED:
        raise AccountsError("banned", "Unban the user before granting premium.", status=409)
    now = timezone.now()
    if user.role == Role.PREMIUM and user.premium_active and user.premium_until is None:
        return user  # premium with no end already
    before = {"role": user.role, "premium_until": _iso(user.premium_until)}
    start = user.premium_until if user.premium_until and user.premium_until > now else now
    user.premium_until = start + timedelta(days=days)
    if user.role != Role.ADMIN:
        user.role = Role.PREMIUM
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(role=user.role, premium_until=user.premium_until)
        _audit(
            actor=actor,
            action="user_grant_premium",
            user=user,
            before=before,
            after={"role": user.role, "premium_until": _iso(user.premium_until), "days": days},
        )
    return user


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def device_hash(fingerprint: str) -> str:
    # Keyed, so the stored value says nothing about the device without SECRET_KEY.
    return salted_hmac("accounts.device", fingerprint, algorithm="sha256").hexdigest()


def device_check(*, user: User, fingerprint: str | None) -> None:
    """First-touch lock: the first device binds the account; any other is refused."""
    if not fingerprint or not fingerprint.strip():
        raise AccountsError(
            "device_required", "The X-Device-Fingerprint header is required.", status=400
        )
    digest = device_hash(fingerprint.strip())
    if not user.bound_device_hash:
        now = timezone.now()
        if User.objects.filter(pk=user.pk, bound_device_hash="").update(
            bound_device_hash=digest, device_locked_at=now
        ):
            user.bound_device_hash, user.device_locked_at = digest, now
            return
        user.refresh_from_db(fields=["bound_device_hash", "device_locked_at"])
    if not secrets.compare_digest(user.bound_device_hash, digest):
        raise AccountsError(
            "device_mismatch",
            "This account is bound to another device. Reset it from that device or ask support.",
            status=403,
        )


def user_device_reset(
    *, user: User, actor: User | None = None, fingerprint: str | None = None
) -> bool:
    """Unbind the device. Staff (``actor``) may always; the user only from the bound device.
    Returns False when nothing was bound."""
    staff_target_guard(actor=actor, user=user)
    if not user.bound_device_hash:
        return False
    if actor is None:
        if not fingerprint or not secrets.compare_digest(
            user.bound_device_hash, device_hash(fingerprint.strip())
        ):
            raise AccountsError(
                "device_mismatch", "Only the bound device can reset the binding.", status=403
            )
    locked_at = _iso(user.device_locked_at)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(bound_device_hash="", device_locked_at=None)
        _audit(
            actor=actor or user,
            action="user_device_reset",
            user=user,
            before={"device_locked_at": locked_at},
            after={"device_locked_at": None},
        )
    user.bound_device_hash, user.device_locked_at = "", None
    return True


def guests_purge(*, idle_days: int | None = None, batch: int = 500) -> int:
    """Delete guests idle for ``idle_days`` (GUEST_IDLE_DAYS), in batches; their progress and
    wishlist go with them. Returns how many were deleted."""
    days = settings.GUEST_IDLE_DAYS if idle_days is None else idle_days
    cutoff = timezone.now() - timedelta(days=days)
    total = 0
    while True:
        ids = list(
            User.objects.filter(kind=UserKind.GUEST, last_seen_at__lt=cutoff).values_list(
                "pk", flat=True
            )[:batch]
        )
        if not ids:
            return total
        total += users_delete(
            user_ids=list(
                User.objects.filter(
                    pk__in=ids, kind=UserKind.GUEST, last_seen_at__lt=cutoff
                ).values_list("pk", flat=True)
            )
        )


def users_delete(*, user_ids: list[int]) -> int:
    """Delete users. Their intro votes go with them (cascade), which moves the published
    intro timings: the titles they voted on get their documents rebuilt."""

    if not user_ids:
        return 0
    with transaction.atomic():
        title_ids = set(
            IntroVote.objects.filter(user_id__in=user_ids).values_list("title_id", flat=True)
        )
        deleted = User.objects.filter(pk__in=user_ids).delete()[1].get(User._meta.label, 0)
        if title_ids:
            title_documents_rebuild(title_ids=title_ids)
    return deleted
