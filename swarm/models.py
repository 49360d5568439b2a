"""Swarm models: the Telegram accounts (workers) and the channels they write to (docs/design.md)."""

from __future__ import annotations

from django.db import models


class WorkerRole(models.TextChoices):
    INGEST = "ingest", "Ingest"
    STREAM = "stream", "Stream"


class WorkerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    BUSY = "busy", "Busy"
    FLOOD_WAIT = "flood_wait", "Flood wait"
    DEAD = "dead", "Dead"


class Channel(models.Model):
    """A Telegram chat the swarm writes to (docs/design.md)."""

    class Kind(models.TextChoices):
        PUBLIC_UPDATES = "public_updates", "Public updates"
        STORAGE = "storage", "Storage"
        QUARANTINE = "quarantine", "Quarantine"
        ADMIN_ALERTS = "admin_alerts", "Admin alerts"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    chat_id = models.BigIntegerField(help_text="Telegram chat id, e.g. -100123…")
    username = models.CharField(
        max_length=64, blank=True, default="", help_text="Public @handle, for links"
    )
    invite_link = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="For a private channel: the t.me/+… link its accounts can find it by (each "
        "account must be a member)",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "chat_id"], name="channel_unique_kind_chat"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Worker(models.Model):
    """One Telegram account of the swarm. The session string is stored encrypted
    (``swarm.crypto``) and never leaves the process that decrypts it to log in."""

    name = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=32, blank=True, default="")
    api_id = models.PositiveIntegerField(null=True, blank=True)
    # Fernet tokens: never shown in the admin, the API or logs (see Worker.__repr__).
    session_encrypted = models.TextField(blank=True, default="", editable=False)
    proxy_encrypted = models.TextField(blank=True, default="", editable=False)
    role = models.CharField(max_length=8, choices=WorkerRole.choices, default=WorkerRole.INGEST)
    status = models.CharField(
        max_length=12, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE, db_index=True
    )
    # Paused accounts keep their status but are never leased.
    enabled = models.BooleanField(default=True)
    max_load = models.PositiveSmallIntegerField(
        default=3, help_text="Concurrent operations this account may run"
    )
    flood_wait_until = models.DateTimeField(null=True, blank=True)
    current_task = models.CharField(max_length=200, blank=True, default="")
    # Consecutive errors: reset by a success; past SWARM_DEAD_AFTER_ERRORS the account is dead.
    error_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    total_uploads = models.PositiveIntegerField(default=0)
    storage_channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_active_at = models.DateTimeField(null=True, blank=True)
    # The access hash of each channel this account has resolved (chat id → hash; per account,
    # as Telegram issues them), so the next start needs no walk of its dialogs.
    peer_hashes = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["role", "status"], name="worker_role_status_idx")]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Worker {self.pk} {self.name} {self.role}/{self.status}>"

    @property
    def has_session(self) -> bool:
        return bool(self.session_encrypted)
