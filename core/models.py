"""Core records every app writes: the moderation audit log and the admins' alerts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AdminAlert(models.Model):
    """An event for the admins. The swarm forwards unsent alerts to the admin_alerts channel
    (``sent_at`` marks them); the admin lists them all."""

    class Kind(models.TextChoices):
        BLOCKED_HASH = "blocked_hash", "Blocked hash"
        WORKER_DEAD = "worker_dead", "Worker dead"
        REPAIR_FAILED = "repair_failed", "Repair failed"
        NO_TELEGRAM_ACCOUNT = "no_telegram_account", "No Telegram account"
        TAKEDOWN = "takedown", "Title taken down"
        COPYRIGHT_REPORT = "copyright_report", "Copyright complaint"
        ADMIN_LOGIN = "admin_login", "Admin login from a new device"
        STREAM_REPORTED = "stream_reported", "Live stream reported"
        CREATOR_PENDING = "creator_pending", "Live channel waiting for approval"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "swarm_adminalert"  # moved from the swarm app; table kept
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="adminalert_unsent_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"


class AuditEntry(models.Model):
    """Who did what to which row, with the values before and after. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept when the user is deleted; "system" for the automatic loop, "cli" for commands.
    actor_repr = models.CharField(max_length=150)
    action = models.CharField(max_length=40, db_index=True)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(max_length=300)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "medic_auditentry"  # moved from the medic app; table kept
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.actor_repr} {self.action} {self.target_repr}"
