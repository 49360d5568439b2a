"""The durable Job record: the admin-visible state of every Celery-run job."""

from __future__ import annotations

from django.db import models

# A job's kind is registered by the app that owns it (``jobs.engine.job_handler``).
KIND_MAX_LENGTH = 40


class JobStatus(models.TextChoices):
    # Waiting for the jobs it depends on (``depends_on``) to be done; then queued.
    WAITING = "waiting", "Waiting"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Job(models.Model):
    """The durable, admin-visible record of a Celery task. The
    Celery message only carries the id; everything a retry needs is here, and each finished
    step is recorded in ``steps_done`` so a re-run skips it."""

    kind = models.CharField(max_length=KIND_MAX_LENGTH)
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
    # The Telegram account (swarm.Worker) the job last used, as a plain id: jobs sits below the
    # swarm and knows nothing of it.
    worker_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # One job per key (e.g. one broadcast per title) whatever retries do.
    dedupe_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    # Runs only once every job it depends on is done; a failed or cancelled one cancels it.
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, related_name="dependents", blank=True
    )
    # What the job belongs to, for listing a scope's jobs by status ("studio-project:12").
    scope = models.CharField(max_length=60, blank=True, default="")
    # The Celery worker process (host and pid) that runs or last ran the job.
    runner = models.CharField(max_length=120, blank=True, default="")
    # Why it failed, as a word: transient, permanent, crash, worker_lost, dependency, cancelled.
    error_code = models.CharField(max_length=20, blank=True, default="")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "swarm_job"  # moved from the swarm app; table kept
        ordering = ["-created_at"]
        indexes = [
            # Partial: only the rows a sweep or a claim looks for are in these two, so the
            # millions of finished jobs cost them nothing and a status change of a finished
            # job writes no entry there. No plain index leads with ``status``: with one, a
            # release (``status = 'waiting' AND id IN (…)``) was planned through it whenever
            # the statistics had not yet seen the waiting jobs — a scan of every waiting job
            # for each release — instead of the primary key.
            models.Index(
                fields=["heartbeat_at"],
                condition=models.Q(status="running"),
                name="job_running_heartbeat_idx",
            ),
            models.Index(fields=["kind", "status"], name="job_kind_status_idx"),
            # Claims: the highest priority first, then the oldest.
            models.Index(
                fields=["-priority", "created_at"],
                condition=models.Q(status="queued"),
                name="job_queued_order_idx",
            ),
            models.Index(fields=["scope", "status"], name="job_scope_status_idx"),
            models.Index(fields=["created_at"], name="job_created_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} ({self.status})"
