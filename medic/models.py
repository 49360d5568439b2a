"""Medic and compliance (docs/design.md): user reports, link health history, the repair loop's
durable record, takedowns and the moderation audit log.

Writes go through ``medic.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import DownloadMirror


class ReportIssue(models.TextChoices):
    DEAD_LINK = "dead_link", "Dead link"
    OUT_OF_SYNC = "out_of_sync", "Audio out of sync"
    WRONG_FILE = "wrong_file", "Wrong file"
    WRONG_AUDIO = "wrong_audio", "Wrong audio"
    MISSING_PAGES = "missing_pages", "Missing pages"
    COPYRIGHT = "copyright", "Copyright complaint (DMCA)"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    REPAIRING = "repairing", "Repairing"
    FIXED = "fixed", "Fixed"
    IGNORED = "ignored", "Ignored"
    # The automatic repair tried everything: a moderator must decide (the queue shows why).
    NEEDS_HUMAN = "needs_human", "Needs a moderator"


OPEN_STATUSES = (ReportStatus.PENDING, ReportStatus.REPAIRING, ReportStatus.NEEDS_HUMAN)


class TargetType(models.TextChoices):
    TITLE = "title", "Title"
    FILE = "file", "File"
    EPISODE = "episode", "Episode"
    CHAPTER = "chapter", "Chapter"


class Report(models.Model):
    """A user's complaint about a title, one of its files, an episode or a chapter."""

    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="reports")
    media_file = models.ForeignKey(
        "catalog.MediaFile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    episode = models.ForeignKey(
        "catalog.Episode", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    chapter = models.ForeignKey(
        "catalog.Chapter", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    target_type = models.CharField(max_length=8, choices=TargetType.choices, editable=False)
    # "<title>:<file>:<episode>:<chapter>" (empty parts for none): NULL-free, so the open-report
    # constraint below works the same on PostgreSQL and SQLite.
    target_key = models.CharField(max_length=80, editable=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    issue = models.CharField(max_length=14, choices=ReportIssue.choices)
    note = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    auto_fix_attempted = models.BooleanField(default=False)
    check_result = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    resolution_notes = models.TextField(blank=True, default="")
    # Set by the one claim that sends the "fixed" DM: a reporter is told exactly once.
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reported_by", "target_key", "issue"],
                condition=Q(status__in=["pending", "repairing", "needs_human"]),
                name="report_one_open_per_user_target_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="report_status_created_idx"),
            models.Index(fields=["reported_by", "-created_at"], name="report_user_idx"),
            models.Index(fields=["target_key", "status"], name="report_target_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.issue} on {self.target_key} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class LinkKind(models.TextChoices):
    MIRROR = "mirror", "Download mirror"
    EMBED = "embed", "Embed"
    BACKUP = "backup", "Backup URL"
    VAULT = "vault", "Vault file"
    CHAPTER = "chapter", "Chapter file"


class LinkCheck(models.Model):
    """One health check of one link (history; the link itself keeps only its last status)."""

    kind = models.CharField(max_length=8, choices=LinkKind.choices)
    link_id = models.PositiveBigIntegerField(help_text="Mirror/embed id, or the media file id")
    media_file = models.ForeignKey(
        "catalog.MediaFile",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="link_checks",
    )
    url = models.CharField(max_length=500, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField()
    error = models.CharField(max_length=300, blank=True, default="")
    elapsed_ms = models.PositiveIntegerField(default=0)
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="link_checks"
    )
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_at"]
        indexes = [
            models.Index(fields=["kind", "link_id", "-checked_at"], name="linkcheck_link_idx"),
            models.Index(fields=["checked_at"], name="linkcheck_checked_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.link_id}: {'ok' if self.ok else 'dead'}"


class RepairStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Gave up"


class Repair(models.Model):
    """The repair loop's durable record for one broken media file or chapter: at most one open
    per target. The Celery message carries only its id."""

    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="repairs")
    media_file = models.ForeignKey(
        "catalog.MediaFile", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    chapter = models.ForeignKey(
        "catalog.Chapter", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=RepairStatus.choices, default="open")
    reason = models.CharField(max_length=300, blank=True, default="")
    # A content problem (wrong audio/file): a live mirror is no fix, new bytes are needed.
    needs_new_bytes = models.BooleanField(default=False)
    needs_subtitles = models.BooleanField(
        default=False, help_text="A text track's WebVTT is missing: re-extract it from the file"
    )
    rounds = models.PositiveSmallIntegerField(default=0, help_text="Full passes that failed")
    # The swarm job (re-leech or re-copy) being waited on, and the sources tried this round.
    job_id = models.PositiveBigIntegerField(null=True, blank=True)
    job_strategy = models.CharField(max_length=14, blank=True, default="")
    sources_tried = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["media_file"],
                condition=Q(status="open"),
                name="repair_one_open_per_file",
            ),
            models.UniqueConstraint(
                fields=["chapter"],
                condition=Q(status="open"),
                name="repair_one_open_per_chapter",
            ),
        ]

    def __str__(self) -> str:
        return f"repair #{self.pk} ({self.status})"


class RepairAttempt(models.Model):
    """One strategy tried by the repair loop, and what came of it."""

    class Strategy(models.TextChoices):
        OTHER_QUALITY = "other_quality", "Another quality serves"
        OTHER_MIRROR = "other_mirror", "Another mirror / the vault serves"
        RELEECH = "releech", "Re-leech"
        RECOPY = "recopy", "Re-copy from the storage channel"
        REEXTRACT = "reextract", "Re-extract the subtitles from the file"

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "Succeeded"
        MITIGATED = "mitigated", "Mitigated (title still plays)"
        WAITING = "waiting", "Waiting"
        FAILED = "failed", "Failed"
        UNAVAILABLE = "unavailable", "Not available"

    repair = models.ForeignKey(Repair, on_delete=models.CASCADE, related_name="attempts")
    strategy = models.CharField(max_length=14, choices=Strategy.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.CharField(max_length=500, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.strategy}: {self.outcome}"


class Takedown(models.Model):
    """The record of a title's takedown: what was purged, what is left for a human."""

    title = models.OneToOneField("catalog.Title", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=500)
    previous_status = models.CharField(max_length=12)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file_hashes = models.JSONField(default=list, blank=True)
    # Mirrors on outside hosts: we cannot delete them, a human files the removal requests.
    mirrors_to_remove = models.JSONField(default=list, blank=True)
    purge_results = models.JSONField(default=dict, blank=True)
    messages_results = models.JSONField(default=dict, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [("takedown_title", "Can take a title down")]

    def __str__(self) -> str:
        return f"takedown of title {self.title_id}"

    @property
    def active(self) -> bool:
        return self.restored_at is None


class MirrorHealth(DownloadMirror):
    """The catalog's download mirrors as the medic sees them (the admin's dead-mirror list)."""

    class Meta:
        proxy = True
        verbose_name = "mirror health"
        verbose_name_plural = "mirror health"
