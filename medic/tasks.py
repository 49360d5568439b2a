"""Medic Celery tasks: thin wrappers over ``medic.services`` (ids in, re-fetch, quiet when the
row is gone, idempotent)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from medic.models import Report
from medic.services import repair as repair_service
from medic.services import sweep
from medic.services.takedown import takedown_incomplete

from . import services

log = logging.getLogger(__name__)


@shared_task(name="medic.tasks.report_triage", ignore_result=True)
def report_triage(report_id: int) -> None:
    services.report_triage(report_id=report_id)


@shared_task(name="medic.tasks.repair_run", bind=True, ignore_result=True)
def repair_run(self, repair_id: int) -> str:
    outcome = services.repair_step(repair_id=repair_id)
    countdown = {
        repair_service.WAITING: settings.MEDIC_REPAIR_POLL_SECONDS,
        repair_service.RETRY: settings.MEDIC_REPAIR_RETRY_SECONDS,
    }.get(outcome)
    # Eager mode has no clock: the beat task ``repairs_resume`` picks the repair up later.
    if countdown is not None and not self.app.conf.task_always_eager:
        self.apply_async(args=[repair_id], countdown=countdown)
    return outcome


@shared_task(name="medic.tasks.repairs_resume", ignore_result=True)
def repairs_resume() -> int:
    """Run open repairs nobody touched for a while (lost messages, restarts, eager mode)."""
    due = services.repairs_due(older_than_seconds=settings.MEDIC_REPAIR_POLL_SECONDS)
    for repair_id in due:
        repair_run.delay(repair_id)
    return len(due)


@shared_task(name="medic.tasks.moderation_sweep", ignore_result=True)
def moderation_sweep() -> dict[str, int]:
    """Re-send takedowns, triages and notices whose task an outage lost (every minute)."""
    return sweep.moderation_sweep()


@shared_task(name="medic.tasks.report_notify", ignore_result=True)
def report_notify(report_id: int) -> None:

    report = Report.objects.select_related("title").filter(pk=report_id).first()
    if report is not None:
        services.report_notify(report=report)


@shared_task(name="medic.tasks.links_health_batch", ignore_result=True)
def links_health_batch() -> dict:
    return services.links_health_batch()


@shared_task(
    name="medic.tasks.takedown_execute",
    bind=True,
    ignore_result=True,
    max_retries=5,
)
def takedown_execute(self, takedown_id: int) -> None:

    takedown = services.takedown_execute(takedown_id=takedown_id)
    if (
        takedown is not None
        and takedown_incomplete(takedown)
        and not self.app.conf.task_always_eager
    ):
        # Something failed (nginx down, Telegram error): try again with backoff.
        if self.request.retries < self.max_retries:
            raise self.retry(countdown=60 * 2**self.request.retries)
