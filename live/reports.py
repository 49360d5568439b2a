"""Viewers' reports of live streams, as keyword-only services.

A viewer reports a stream once (a second report from them changes nothing); the first open
report flags the stream ``is_reported`` and raises an admin alert, later ones only add to the
queue. A moderator upholds a report (the stream is taken down and every open report on it is
closed with it) or dismisses it (the flag drops when no open report is left). Both are audited
and idempotent.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.alerts import alert_raise
from core.audit import audit_record
from core.models import AdminAlert
from core.text import HTML, clean_text

from . import services
from .models import Stream, StreamReport, StreamReportReason, StreamReportStatus

NOTE_MAX = 500


def stream_report(*, user: Any, stream: Stream, reason: str, note: str = "") -> bool:
    """Report ``stream`` for ``reason``; True when this viewer's report is new."""
    if reason not in StreamReportReason.values:
        raise ValidationError({"reason": [f"One of {', '.join(StreamReportReason.values)}."]})
    note = clean_text(note)
    if len(note) > NOTE_MAX or HTML.search(note):
        raise ValidationError({"note": [f"Plain text, at most {NOTE_MAX} characters."]})
    if stream.creator.user_id == getattr(user, "pk", None):
        raise ValidationError(
            {"stream": ValidationError("You cannot report your own stream.", code="conflict")}
        )
    with transaction.atomic():
        _, created = StreamReport.objects.get_or_create(
            reported_by=user, stream=stream, defaults={"reason": reason, "note": note}
        )
        if created and Stream.objects.filter(pk=stream.pk, is_reported=False).update(
            is_reported=True
        ):
            alert_raise(
                kind=AdminAlert.Kind.STREAM_REPORTED,
                message=f"Live stream reported ({reason}): {stream.title}",
                payload={"stream": stream.public_id, "reason": reason},
            )
    if created:
        stream.is_reported = True
    return created


def _close(reports: QuerySet[StreamReport], status: str, actor: Any) -> bool:
    """Close the open ones among ``reports``; False when none was open."""
    closed = reports.filter(status=StreamReportStatus.OPEN).update(
        status=status, resolved_by=actor, resolved_at=timezone.now()
    )
    return bool(closed)


def _reflag(stream: Stream) -> None:
    still_open = stream.reports.filter(status=StreamReportStatus.OPEN).exists()
    Stream.objects.filter(pk=stream.pk).update(is_reported=still_open)
    stream.is_reported = still_open


@transaction.atomic
def stream_report_dismiss(*, report: StreamReport, actor: Any) -> bool:
    """Close the report without action; the stream is unflagged when none is left open."""
    if not _close(StreamReport.objects.filter(pk=report.pk), StreamReportStatus.DISMISSED, actor):
        return False
    audit_record(actor=actor, action="stream_report_dismiss", target=report, reason=report.reason)
    _reflag(report.stream)
    return True


def stream_report_uphold(*, report: StreamReport, actor: Any) -> bool:
    """Take the reported stream down and close every open report on it as upheld."""
    if not _close(StreamReport.objects.filter(pk=report.pk), StreamReportStatus.UPHELD, actor):
        return False
    stream = report.stream
    services.stream_takedown(
        stream=stream, actor=actor, reason=f"reported: {report.get_reason_display()}"
    )
    _close(stream.reports.all(), StreamReportStatus.UPHELD, actor)
    audit_record(actor=actor, action="stream_report_uphold", target=report, reason=report.reason)
    _reflag(stream)
    return True
