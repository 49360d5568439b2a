"""Ingest models: blocked hashes and the attempts that hit them, crowdsourced submissions,
and the one broadcast card per title (docs/design.md)."""

from __future__ import annotations

from django.db import models


class BlockedHash(models.Model):
    """A SHA-256 that must never be stored again (takedowns, known-bad files)."""

    sha256 = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=300, blank=True, default="")
    source = models.CharField(
        max_length=200, blank=True, default="", help_text="The list it was imported from"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "blocked hashes"
        db_table = "swarm_blockedhash"  # moved from the swarm app; table kept
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
        db_table = "swarm_blockedattempt"  # moved from the swarm app; table kept
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.blocked} from {self.source}"


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Submission(models.Model):
    """A link sent by a user: quarantined until an admin approves (→ an ingest job) or
    rejects it (with a reason). The submitter is told either way."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="submissions")
    url = models.URLField(max_length=1000)
    title_hint = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING
    )
    reject_reason = models.CharField(max_length=300, blank=True, default="")
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "swarm_submission"  # moved from the swarm app; table kept
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="submission_status_idx"),
            models.Index(fields=["user", "-created_at"], name="submission_user_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.url[:60]} ({self.status})"


class Broadcast(models.Model):
    """The one release card of a title in the public channel. The unique title makes the
    card exactly-once whatever retries and re-ingests do."""

    title = models.OneToOneField("catalog.Title", on_delete=models.CASCADE, related_name="+")
    chat_id = models.BigIntegerField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "swarm_broadcast"  # moved from the swarm app; table kept
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"card for title {self.title_id}"
