"""Swarm models. The vault part: blocked hashes, the attempts that hit them, and admin alerts
(DESIGN §5, §7)."""

from __future__ import annotations

from django.db import models


class BlockedHash(models.Model):
    """A SHA-256 that must never be stored again (takedowns, known-bad files)."""

    sha256 = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "blocked hash"

    def __str__(self) -> str:
        return self.sha256[:16]


class BlockedAttempt(models.Model):
    """Someone tried to ingest a blocked file: the file was dropped and this row kept."""

    blocked = models.ForeignKey(BlockedHash, on_delete=models.CASCADE, related_name="attempts")
    source = models.CharField(max_length=500, blank=True, default="", help_text="Path or URL")
    size_bytes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.blocked} from {self.source}"


class AdminAlert(models.Model):
    """An event for the admins. The swarm forwards unsent alerts to the admin_alerts channel
    (``sent_at`` marks them); the admin lists them all."""

    class Kind(models.TextChoices):
        BLOCKED_HASH = "blocked_hash", "Blocked hash"
        WORKER_DEAD = "worker_dead", "Worker dead"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="adminalert_unsent_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"
