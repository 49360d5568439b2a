"""The medic's safety net: moderation work whose task was lost (the broker was down when it was
queued, a worker died mid-run) is sent again. Every task it sends is idempotent, so a row that
its own task is still handling costs at most one duplicate run that does nothing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.queue import task_send
from medic.models import Report, ReportIssue, ReportStatus, Takedown

from .takedown import takedown_incomplete

BATCH = 200  # rows of each kind per sweep: a backlog drains over a few sweeps


def moderation_sweep() -> dict[str, int]:
    """Re-send what an outage lost: takedowns not executed (or left unfinished), pending
    reports never triaged, fixed reports whose reporter was never told. A row is left alone
    while younger than ``MEDIC_SWEEP_GRACE_SECONDS`` (its own task may still come); an
    unfinished takedown is retried every ``MEDIC_SWEEP_RETRY_SECONDS``. Returns the counts."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.MEDIC_SWEEP_GRACE_SECONDS)
    retry = now - timedelta(seconds=settings.MEDIC_SWEEP_RETRY_SECONDS)

    takedowns = [
        t.pk
        for t in Takedown.objects.filter(restored_at__isnull=True)
        .filter(Q(executed_at__isnull=True, created_at__lt=grace) | Q(executed_at__lt=retry))
        .only("pk", "executed_at", "purge_results", "messages_results")
        .order_by("created_at")[:BATCH]
        if takedown_incomplete(t)
    ]
    reports = list(
        Report.objects.filter(
            status=ReportStatus.PENDING, checked_at__isnull=True, created_at__lt=grace
        )
        .exclude(issue=ReportIssue.COPYRIGHT)  # a human decides those: nothing to triage
        .order_by("created_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    notices = list(
        Report.objects.filter(
            status=ReportStatus.FIXED, notified_at__isnull=True, resolved_at__lt=grace
        )
        .order_by("resolved_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in takedowns:
        task_send("medic.tasks.takedown_execute", pk)
    for pk in reports:
        task_send("medic.tasks.report_triage", pk)
    for pk in notices:
        task_send("medic.tasks.report_notify", pk)
    return {"takedowns": len(takedowns), "reports": len(reports), "notices": len(notices)}
