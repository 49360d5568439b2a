"""Accounts (docs/design.md): Telegram and guest users, roles and premium, referrals, the
security fields behind magic links and the stream gatekeeper, and per-user progress and
wishlists.

Writes go through ``accounts.services``.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


def new_auth_token_secret() -> str:
    return secrets.token_hex(32)


class UserKind(models.TextChoices):
    TELEGRAM = "telegram", "Telegram"
    GUEST = "guest", "Guest"
    # Registered with an email address and a password (a Telegram user may add both too).
    EMAIL = "email", "Email"


class Role(models.TextChoices):
    FREE = "free", "Free"
    PREMIUM = "premium", "Premium"
    ADMIN = "admin", "Admin"
    BANNED = "banned", "Banned"


class User(AbstractUser):
    """Telegram users and guests in one table, so every per-user feature works the same for
    both and a guest can be merged into a Telegram user when they log in."""

    kind = models.CharField(max_length=8, choices=UserKind.choices, default=UserKind.TELEGRAM)
    telegram_id = models.BigIntegerField(unique=True, null=True, blank=True)
    guest_key = models.CharField(max_length=40, unique=True, null=True, blank=True)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.FREE, db_index=True)
    # Premium ends at premium_until (None: no end). Expiry needs no cron: every check reads
    # ``premium_active``.
    premium_until = models.DateTimeField(null=True, blank=True)
    referral_code = models.CharField(max_length=16, unique=True, null=True, blank=True)
    invited_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="invited_users"
    )
    invited_count = models.PositiveIntegerField(default=0)
    # Rotating it (logout everywhere, ban) invalidates every magic link and every session.
    auth_token_secret = models.CharField(max_length=64, default=new_auth_token_secret)
    bound_device_hash = models.CharField(max_length=64, blank=True, default="")
    device_locked_at = models.DateTimeField(null=True, blank=True)
    last_ip = models.GenericIPAddressField(null=True, blank=True)
    # Guests idle past GUEST_IDLE_DAYS are purged; refreshed at most hourly, not per request.
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The email address was confirmed by a link we sent (an email login needs it to sign in
    # to the studio and to be invited by address).
    email_verified = models.BooleanField(default=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        permissions = [("ban_user", "Can ban, unban and log out users")]
        indexes = [models.Index(fields=["kind", "last_seen_at"], name="user_kind_seen_idx")]
        constraints = [
            # One account per address, whatever its case ("" is no address).
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="user_email_unique_ci"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == UserKind.GUEST:
            return self.username
        return f"{self.first_name or self.username} ({self.telegram_id or self.username})"

    @property
    def premium_active(self) -> bool:
        if self.role == Role.ADMIN:
            return True
        if self.role != Role.PREMIUM:
            return False
        return self.premium_until is None or self.premium_until > timezone.now()

    @property
    def effective_role(self) -> str:
        """What the user is right now: a premium whose time ran out is free."""
        if self.role == Role.PREMIUM and not self.premium_active:
            return Role.FREE
        return self.role

    @property
    def is_banned(self) -> bool:
        return self.role == Role.BANNED

    def _session_hash(self, secret: str | None) -> str:
        # Django's hash covers the password only; adding auth_token_secret makes every
        # session of the user fail verification the moment the secret rotates.
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}\0{self.auth_token_secret}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash(None)

    def get_session_auth_fallback_hash(self):
        for fallback in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(fallback)


class MagicLinkToken(models.Model):
    """The ``jti`` of every issued magic link. A link is consumed by one conditional UPDATE
    (``used_at IS NULL AND revoked_at IS NULL``), so two simultaneous uses log in once."""

    jti = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="magic_links"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"magic link {self.jti[:8]}… for user {self.user_id}"


class WatchProgress(models.Model):
    """Where a user is in a movie or series: one row per title (the series' current episode),
    which is what the "continue watching" row shows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watch_progress"
    )
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey(
        "catalog.Episode", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0, help_text="Seconds")
    duration = models.PositiveIntegerField(null=True, blank=True, help_text="Seconds")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "watch progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "title"], name="watchprogress_unique_title")
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="watchprogress_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.title_id}: {self.position}s"


class ReadProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_progress"
    )
    manga = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    chapter = models.ForeignKey("catalog.Chapter", on_delete=models.CASCADE, related_name="+")
    page = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "read progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "manga"], name="readprogress_unique_manga")
        ]
        indexes = [models.Index(fields=["user", "-updated_at"], name="readprogress_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.manga_id}: chapter {self.chapter_id} p{self.page}"


class WishlistStatus(models.TextChoices):
    # A free-text request for something not in the library yet (the notifier matches these).
    REQUESTED = "requested", "Requested"
    # Points at a title in the library: saved directly, or a request that was fulfilled.
    AVAILABLE = "available", "Available"


class WishlistEntry(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist"
    )
    title = models.ForeignKey(
        "catalog.Title", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    query = models.CharField(max_length=200, blank=True, default="")
    # clean_title() of the query: what duplicates and the notifier's matching compare.
    query_clean = models.CharField(max_length=200, blank=True, default="", db_index=True)
    # A request chosen from TMDB's candidates (the bot's /request): matched by id on import.
    tmdb_id = models.PositiveIntegerField(null=True, blank=True)
    media_type = models.CharField(max_length=10, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=WishlistStatus.choices, default=WishlistStatus.AVAILABLE
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "wishlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "title"],
                condition=Q(title__isnull=False),
                name="wishlist_unique_title",
            ),
            models.UniqueConstraint(
                fields=["user", "query_clean"],
                condition=Q(title__isnull=True),
                name="wishlist_unique_request",
            ),
            models.CheckConstraint(
                condition=Q(title__isnull=False) | ~Q(query_clean=""),
                name="wishlist_title_or_query",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "query_clean"], name="wishlist_open_requests_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title_id or self.query}"


class AdLink(models.Model):
    """A URL-shortener link in front of a heavy download ("Ad-Link Generator"): one
    per file (or pack) and UTC day, shared by every free user who downloads it that day."""

    file_hash = models.CharField(max_length=64)
    day = models.DateField()
    short_url = models.URLField(max_length=500)
    provider = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file_hash", "day"], name="adlink_one_per_file_day")
        ]

    def __str__(self) -> str:
        return f"{self.file_hash[:12]}… {self.day}"


class StaffDevice(models.Model):
    """A device (browser and network) a staff user or admin has logged in from: a login from
    one not seen before is an alert for the admins (docs/design.md)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_devices"
    )
    device_hash = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=200, blank=True, default="")
    network = models.CharField(max_length=64, blank=True, default="")
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "device_hash"], name="staffdevice_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.user_agent[:40]} {self.network}"


class EmailTokenPurpose(models.TextChoices):
    VERIFY = "verify", "Verify the address"
    RESET = "reset", "Reset the password"


class EmailToken(models.Model):
    """A single-use, expiring token sent by email (verify an address, reset a password). Only
    its SHA-256 is kept: the token itself exists in the email alone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=8, choices=EmailTokenPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # The address it was sent to: a verification is for that address only.
    email = models.EmailField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose"], name="email_token_user_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"
