"""The live channels' collections as relational tables. Follows and likes are rows with unique pairs
(not arrays on the user); the counts cached on the creator and the stream are columns
kept by conditional updates in ``live.services``."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


def public_id() -> str:
    """The stream's name in HLS URLs and pages (never the stream key)."""
    return secrets.token_urlsafe(9)


class CreatorStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    ACTIVE = "active", "Active"
    REJECTED = "rejected", "Rejected"


class Creator(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creator"
    )
    channel_name = models.CharField(max_length=60, unique=True)
    description = models.TextField(blank=True, default="", max_length=2000)
    profile_photo = models.CharField(max_length=500, blank=True, default="", help_text="Vault ref")
    cover_photo = models.CharField(max_length=500, blank=True, default="", help_text="Vault ref")
    social_accounts = models.JSONField(default=list, blank=True, help_text="[{platform, url}]")
    # The stream key: only its SHA-256 is stored; the key itself is shown once.
    stream_key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    stream_key_updated_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False, db_index=True)
    is_blocked = models.BooleanField(default=False, db_index=True)
    # A new channel waits for staff (or is active at once with LIVE_CREATORS_AUTO_APPROVE);
    # only an active one gets a stream key and goes live.
    status = models.CharField(
        max_length=8, choices=CreatorStatus.choices, default=CreatorStatus.PENDING, db_index=True
    )
    rejection_reason = models.CharField(max_length=500, blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    reviewed_at = models.DateTimeField(null=True, blank=True)
    total_followers = models.PositiveIntegerField(default=0)
    total_streams = models.PositiveIntegerField(default=0)
    total_stream_views = models.PositiveBigIntegerField(default=0)
    total_likes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.channel_name


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    image = models.CharField(max_length=500, help_text="Vault ref")
    cover_photo = models.CharField(max_length=500, blank=True, default="")
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class StreamStatus(models.TextChoices):
    LIVE = "live", "Live"
    OFFLINE = "offline", "Offline"
    SCHEDULED = "scheduled", "Scheduled"


class WhoCanMessage(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    FOLLOWERS = "followers", "Followers"


class Stream(models.Model):
    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="streams")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="", max_length=5000)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="streams"
    )
    thumbnail = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=StreamStatus.choices, default=StreamStatus.OFFLINE
    )
    is_public = models.BooleanField(default=True, db_index=True)
    who_can_message = models.CharField(
        max_length=10, choices=WhoCanMessage.choices, default=WhoCanMessage.EVERYONE
    )
    is_mature = models.BooleanField(default=False)
    slow_mode_seconds = models.PositiveSmallIntegerField(
        default=0, help_text="Seconds a viewer waits between chat messages (0: off)"
    )
    started_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    # The performance cache (viewers now, peak).
    current_viewers = models.PositiveIntegerField(default=0)
    peak_viewers = models.PositiveIntegerField(default=0)
    total_views = models.PositiveBigIntegerField(default=0)
    total_likes = models.PositiveIntegerField(default=0)
    total_comments = models.PositiveIntegerField(default=0)
    total_shares = models.PositiveIntegerField(default=0)
    is_reported = models.BooleanField(default=False, db_index=True)
    # Taken down by a moderator: off the air, out of every feed and page.
    is_taken_down = models.BooleanField(default=False)
    # nginx-rtmp's client id of the publisher while LIVE (to drop it through the control API).
    rtmp_client_id = models.CharField(max_length=32, blank=True, default="")
    # The broadcast's recording, ingested into the catalog like any file (its
    # recording and playback URLs: the title's document has its files).
    recording = models.ForeignKey(
        "catalog.Title", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="live_recordings",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["creator", "status"], name="live_stream_creator_status"),
            models.Index(fields=["status", "-started_at"], name="live_stream_status_started"),
            models.Index(fields=["category", "status"], name="live_stream_category_status"),
            models.Index(fields=["-created_at"], name="live_stream_created"),
            models.Index(fields=["-total_views"], name="live_stream_views"),
        ]
        constraints = [
            # One live broadcast per creator at a time.
            models.UniqueConstraint(
                fields=["creator"], condition=Q(status="live"), name="live_one_live_per_creator"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_following"
    )
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "creator"], name="live_follow_once")
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.creator_id}"


class StreamLike(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_likes"
    )
    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "stream"], name="live_like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.stream_id}"


class ShareChannel(models.TextChoices):
    LINK = "link", "Link copied"
    TELEGRAM = "telegram", "Shared to Telegram"


class StreamShare(models.Model):
    """A visitor shared a stream (counted once per visitor, however often they share)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_shares"
    )
    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="shares")
    channel = models.CharField(max_length=8, choices=ShareChannel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "stream"], name="live_share_once")]

    def __str__(self) -> str:
        return f"{self.user_id} shared {self.stream_id}"


class MessageType(models.TextChoices):
    TEXT = "text", "Text"
    SYSTEM = "system", "System"


class ChatMessage(models.Model):
    """One line of a stream's chat. ``user`` is empty for SYSTEM lines
    ("went live", "ended"). A moderator's delete keeps the row (the moderation log) but hides
    it."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="chat")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="live_messages",
    )  # fmt: skip
    message = models.CharField(max_length=500)
    message_type = models.CharField(
        max_length=6, choices=MessageType.choices, default=MessageType.TEXT
    )
    is_deleted = models.BooleanField(default=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["stream", "-created_at"], name="live_chat_recent")]

    def __str__(self) -> str:
        return self.message[:60]


class ChatBan(models.Model):
    """A user kept out of a channel's chat: until ``until`` (a time-out) or for good (a ban,
    ``until`` empty). One row per channel and user; lifting it deletes the row."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="chat_bans")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_chat_bans"
    )
    until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["creator", "user"], name="live_chat_ban_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} kept out of {self.creator_id}"


class StreamAnalytics(models.Model):
    """A broadcast's figures, rolled up from the performance cache and Redis when it ends
    (1:1 with the stream, kept ``LIVE_RETENTION_DAYS``)."""

    stream = models.OneToOneField(Stream, on_delete=models.CASCADE, related_name="analytics")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="analytics")
    view_count = models.PositiveBigIntegerField(default=0)
    watch_duration = models.PositiveBigIntegerField(default=0, help_text="Seconds, all viewers")
    unique_viewers = models.PositiveIntegerField(default=0)
    peak_concurrent_viewers = models.PositiveIntegerField(default=0)
    likes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stream analytics"
        indexes = [models.Index(fields=["creator", "-created_at"], name="live_analytics_creator")]

    def __str__(self) -> str:
        return f"analytics of {self.stream_id}"


class PageSettings(models.Model):
    """The site's privacy policy and terms (the live channels' PageSettings: one row), edited in the
    admin and served at /pages/privacy and /pages/terms."""

    privacy_policy = models.TextField(blank=True, default="")
    terms_and_conditions = models.TextField(blank=True, default="")
    last_updated = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "page settings"

    def __str__(self) -> str:
        return "Page settings"

    @classmethod
    def current(cls) -> PageSettings:
        return cls.objects.order_by("pk").first() or cls()


class StreamReportReason(models.TextChoices):
    SPAM = "spam", "Spam or scam"
    VIOLENCE = "violence", "Violence or harm"
    SEXUAL = "sexual", "Sexual content"
    HATE = "hate", "Hate or harassment"
    COPYRIGHT = "copyright", "Someone else's content"
    MATURE = "mature", "Mature but not marked so"
    OTHER = "other", "Something else"


class StreamReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld (stream taken down)"
    DISMISSED = "dismissed", "Dismissed"


class StreamReport(models.Model):
    """A viewer's report of a live stream: one per viewer and stream (a second report from the
    same viewer changes nothing). The stream is flagged ``is_reported`` while any is open."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="reports")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_reports"
    )
    reason = models.CharField(max_length=10, choices=StreamReportReason.choices)
    note = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=StreamReportStatus.choices, default=StreamReportStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reported_by", "stream"], name="live_report_once")
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="live_report_queue")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on {self.stream_id} ({self.status})"
