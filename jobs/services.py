"""Job services for people and other apps: status without reading the row's JSON, and the
moderation actions (retry, cancel), which take ``actor`` and write an audit row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from jobs.engine import job_enqueue
from jobs.graph import dependency_cancel, dependents_revive
from jobs.models import Job, JobStatus


@dataclass(frozen=True)
class JobOutcome:
    status: str
    error: str
    result: dict[str, Any]  # a done job's ``state["result"]``
    sha256: str  # the SHA-256 of the bytes the job hashed, when it hashed any


def job_status(*, job_id: int) -> JobOutcome | None:
    """What other apps may know of a job without reading its JSON (None: no such job)."""
    row = Job.objects.filter(pk=job_id).values_list("status", "last_error", "state").first()
    if row is None:
        return None
    status, error, state = row
    state = state or {}
    return JobOutcome(
        status=status,
        error=error,
        result=state.get("result") or {},
        sha256=str(state.get("sha256") or ""),
    )


@transaction.atomic
def job_retry(*, job: Job, actor: Any) -> bool:
    """Retry a failed or cancelled job: fresh attempts, same recorded steps (so it resumes
    where it stopped). Idempotent: False (and no audit row) when the job is not failed or
    cancelled."""
    before = job.status
    changed = Job.objects.filter(
        pk=job.pk, status__in=[JobStatus.FAILED, JobStatus.CANCELLED]
    ).update(
        status=JobStatus.QUEUED,
        attempts=0,
        last_error="",
        error_code="",
        not_before=None,
        run_token="",
    )
    if changed:
        dependents_revive(job_id=job.pk)
        if job.depends_on.exclude(status=JobStatus.DONE).exists():
            Job.objects.filter(pk=job.pk).update(status=JobStatus.WAITING)
        job.refresh_from_db()
        audit_record(
            actor=actor,
            action="job_retry",
            target=job,
            before={"status": before},
            after={"status": job.status},
        )
        if job.status == JobStatus.QUEUED:
            job_enqueue(job=job)
    return bool(changed)


@transaction.atomic
def job_cancel(*, job: Job, actor: Any) -> bool:
    """Cancel a waiting, queued or running job — and the jobs that depend on it; a running one
    stops at its next heartbeat or step. Idempotent: False (and no audit row) when it had
    already ended."""
    before = job.status
    changed = Job.objects.filter(
        pk=job.pk, status__in=[JobStatus.WAITING, JobStatus.QUEUED, JobStatus.RUNNING]
    ).update(
        status=JobStatus.CANCELLED,
        run_token="",
        finished_at=timezone.now(),
        error_code="cancelled",
        last_error=f"cancelled by {actor}",
    )
    job.refresh_from_db()
    if changed:
        dependents = dependency_cancel(
            job_ids=list(job.dependents.values_list("pk", flat=True)),
            reason=f"dependency #{job.pk} cancelled",
        )
        audit_record(
            actor=actor,
            action="job_cancel",
            target=job,
            before={"status": before},
            after={"status": job.status, "dependents_cancelled": dependents},
        )
    return bool(changed)
