"""Report actions that open a repair (they need both the report and the repair services)."""

from __future__ import annotations

from typing import Any

from catalog import services as catalog
from catalog.models import TitleStatus
from medic.models import Report, ReportIssue, ReportStatus
from medic.services.repair import repair_open
from medic.services.reports import report_transition


def report_start_repair(*, report: Report, actor: Any, note: str = "") -> bool:
    """pending → repairing, and a repair of the reported file is queued (a moderator confirmed
    the file is bad, so the repair looks for new bytes, not just a live mirror)."""
    changed = report_transition(
        report=report,
        actor=actor,
        action="report_start_repair",
        to=ReportStatus.REPAIRING,
        allowed_from=(ReportStatus.PENDING, ReportStatus.NEEDS_HUMAN),
        note=note,
    )
    if changed:
        media_file = report.media_file
        if media_file is not None:
            content_issue = report.issue != ReportIssue.DEAD_LINK
            repair_open(
                title=report.title,
                media_file=media_file,
                reason=f"report #{report.pk}: {report.get_issue_display()}",
                needs_new_bytes=content_issue,
                actor=actor,
            )
        elif report.chapter is not None:
            repair_open(
                title=report.title,
                chapter=report.chapter,
                reason=f"report #{report.pk}: {report.get_issue_display()}",
                actor=actor,
            )
        else:
            if report.title.status == TitleStatus.AVAILABLE:
                catalog.title_set_status(title=report.title, status=TitleStatus.REPAIRING)
    return changed
