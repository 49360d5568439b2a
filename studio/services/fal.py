"""What arrives from fal: a verified webhook records its request's result once (fal
redelivers: the second delivery changes nothing) and wakes the task waiting on it, so the task
need not wait for its next poll. A cancelled task's open requests are cancelled at fal by a
job after the commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from jobs.engine import job_create, job_enqueue
from jobs.models import Job, JobStatus

from ..models import FalRequest, FalState, Task

CANCEL = "studio_fal_cancel"


@transaction.atomic
def fal_delivery(*, request_id: str, body: dict[str, Any]) -> str:
    """Record a verified delivery: "recorded", "already recorded" or "unknown request"."""
    row = FalRequest.objects.select_for_update().filter(request_id=request_id).first()
    if row is None:
        return "unknown request"
    if row.delivered_at is not None:
        return "already recorded"
    row.delivered_at = timezone.now()
    if row.state != FalState.CANCELLED:
        if body.get("status") == "OK":
            row.state, row.result = FalState.COMPLETED, body.get("payload") or {}
        else:
            row.state = FalState.FAILED
            detail = body.get("payload") or {}
            row.error = f"{body.get('error') or 'fal reported an error'}: {detail}"[:2000]
            row.result = detail if isinstance(detail, dict) else {"detail": detail}
    row.save()
    job = Job.objects.filter(studio_task__pk=row.task_id, status=JobStatus.QUEUED).first()
    if job is not None:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(not_before=timezone.now())
        job_enqueue(job=job)
    return "recorded"


def fal_cancel_open(*, task: Task) -> Job | None:
    """Queue the cancellation at fal of ``task``'s requests still queued or running."""
    open_ids = list(
        FalRequest.objects.filter(
            task=task, state__in=[FalState.QUEUED, FalState.RUNNING]
        ).values_list("request_id", flat=True)
    )
    if not open_ids:
        return None
    return job_create(kind=CANCEL, payload={"requests": open_ids})
