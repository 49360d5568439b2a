"""The studio's periodic tasks (``studio.schedule``): finished tasks past the retention period
deleted. Generation runs on the jobs engine (``studio.jobs``), not here."""

from __future__ import annotations

from celery import shared_task

from .services.tasks import tasks_prune


@shared_task(name="studio.tasks.prune_tasks", ignore_result=True)
def prune_tasks() -> int:
    """Delete done and cancelled tasks older than STUDIO_TASK_RETENTION_DAYS."""
    return tasks_prune()
