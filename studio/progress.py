"""What a producer watches while a project's tasks run: per task its state, percentage,
current step, place in the queue, attempt ("retrying 2 of 5") and failure reason — one
snapshot read in a fixed number of queries, sent over the project's WebSocket
(``studio.consumers``) as it changes and served at ``/api/studio/projects/<id>/progress/``
for browsers without one."""

from __future__ import annotations

from typing import Any

from jobs.models import Job, JobStatus

from .models import Task

RECENT = 200  # the newest tasks of the project a snapshot covers
QUEUE_LOOKAHEAD = 2000  # queued studio jobs counted for a place in the queue
KIND = "studio_task"


def _words(row: dict[str, Any], place: int | None) -> str:
    status = row["job__status"]
    if status == JobStatus.QUEUED:
        if row["job__attempts"]:
            return (
                f"retrying {row['job__attempts'] + 1} of {row['job__max_attempts']}"
                f" — {row['job__last_error'][:120]}"
            )
        if place is not None:
            return f"queued, {place} ahead" if place else "next in the queue"
        return "waiting for the tasks it needs"
    if status == JobStatus.RUNNING:
        step = row["job__current_step"] or "working"
        return f"{step} · {row['job__progress']}%"
    if status == JobStatus.FAILED:
        return f"failed: {row['job__last_error'][:300]}"
    return str(JobStatus(status).label).lower()


def progress_snapshot(*, project_id: int) -> dict[str, dict[str, Any]]:
    """Task id (as text, a JSON key) → its state; two queries."""
    rows = list(
        Task.objects.filter(project_id=project_id)
        .order_by("-created_at", "-id")
        .values(
            "id", "task_type", "episode_id", "scene_id", "parameters", "job_id",
            "job__status", "job__progress", "job__current_step", "job__attempts",
            "job__max_attempts", "job__last_error", "job__priority",
        )[:RECENT]
    )  # fmt: skip
    queued = [r["job_id"] for r in rows if r["job__status"] == JobStatus.QUEUED]
    places: dict[int, int] = {}
    if queued:
        order = (
            Job.objects.filter(kind=KIND, status=JobStatus.QUEUED, not_before__isnull=True)
            .order_by("-priority", "created_at", "id")
            .values_list("id", flat=True)[:QUEUE_LOOKAHEAD]
        )
        places = {job_id: n for n, job_id in enumerate(order)}
    snapshot = {}
    for row in rows:
        place = places.get(row["job_id"])
        snapshot[str(row["id"])] = {
            "id": row["id"],
            "task_type": row["task_type"],
            "episode": row["episode_id"],
            "scene": row["scene_id"],
            "panel": (row["parameters"] or {}).get("panel"),
            "status": row["job__status"],
            "percentage": row["job__progress"],
            "current_step": row["job__current_step"],
            "queue_position": place,
            "attempt": row["job__attempts"],
            "max_attempts": row["job__max_attempts"],
            "error": row["job__last_error"] if row["job__status"] == JobStatus.FAILED else "",
            "words": _words(row, place),
        }
    return snapshot


def progress_changes(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The tasks whose state differs (new ones included)."""
    return [row for key, row in after.items() if before.get(key) != row]
