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


# --- the swarm: accounts, channels, durable jobs, submissions (issue 5) ----------------------


class WorkerRole(models.TextChoices):
    INGEST = "ingest", "Ingest"
    STREAM = "stream", "Stream"


class WorkerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    BUSY = "busy", "Busy"
    FLOOD_WAIT = "flood_wait", "Flood wait"
    DEAD = "dead", "Dead"


class Channel(models.Model):
    """A Telegram chat the swarm writes to (seed 002 section 4: channels A to D)."""

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


class JobKind(models.TextChoices):
    INGEST_URL = "ingest_url", "Ingest a URL"
    INGEST_FORWARD = "ingest_forward", "Index a forwarded message"
    BROADCAST = "broadcast", "Broadcast card"
    WISHLIST_NOTIFY = "wishlist_notify", "Wishlist notifications"
    NOTIFY_USER = "notify_user", "Direct message"
    CHANNEL_POST = "channel_post", "Channel post"
    RELEECH = "releech", "Re-leech a file (repair)"
    RECOPY = "recopy", "Re-copy a file from its channel (repair)"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Job(models.Model):
    """The durable, admin-visible record of a Celery task (seed 003's Tasks collection). The
    Celery message only carries the id; everything a retry needs is here, and each finished
    step is recorded in ``steps_done`` so a re-run skips it."""

    kind = models.CharField(max_length=20, choices=JobKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    priority = models.PositiveSmallIntegerField(default=5, help_text="1 (low) … 10 (high)")
    payload = models.JSONField(default=dict, blank=True)
    # Outputs of finished steps (paths, refs, probe data, ids) that later steps read.
    state = models.JSONField(default=dict, blank=True)
    steps_done = models.JSONField(default=list, blank=True)
    current_step = models.CharField(max_length=40, blank=True, default="")
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent")
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    last_error = models.TextField(blank=True, default="")
    # The run that owns the job: a re-queued job gets a new token, and the old run (if it is
    # still alive somewhere) notices on its next heartbeat and stops.
    run_token = models.CharField(max_length=32, blank=True, default="", editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True, help_text="Retry countdown")
    worker = models.ForeignKey(
        Worker, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    # One job per key (e.g. one broadcast per title) whatever retries do.
    dedupe_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "priority"], name="job_status_priority_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat_idx"),
            models.Index(fields=["kind", "status"], name="job_kind_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} ({self.status})"


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
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"card for title {self.title_id}"
