"""Reports: create (deduplicated), and the moderation transitions. Every transition takes
``actor``, writes an AuditEntry and is idempotent (already in the target state → no write)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import Chapter, Episode, MediaFile, MediaType, Title
from core.alerts import alert_raise
from core.audit import audit_record
from core.models import AdminAlert
from core.queue import task_send
from medic.models import OPEN_STATUSES, Report, ReportIssue, ReportStatus, TargetType
from medic.selectors import PENDING_KEY

from .. import integrations

log = logging.getLogger(__name__)

ISSUES_BY_MEDIA_TYPE = {
    MediaType.MOVIE: {
        ReportIssue.DEAD_LINK,
        ReportIssue.OUT_OF_SYNC,
        ReportIssue.WRONG_FILE,
        ReportIssue.WRONG_AUDIO,
        ReportIssue.COPYRIGHT,
    },
    MediaType.SERIES: {
        ReportIssue.DEAD_LINK,
        ReportIssue.OUT_OF_SYNC,
        ReportIssue.WRONG_FILE,
        ReportIssue.WRONG_AUDIO,
        ReportIssue.COPYRIGHT,
    },
    MediaType.MANGA: {
        ReportIssue.DEAD_LINK,
        ReportIssue.MISSING_PAGES,
        ReportIssue.WRONG_FILE,
        ReportIssue.COPYRIGHT,
    },
}

FIXED_MESSAGE = "✅ Your report on “{title}” is resolved: it is fixed and plays again."
NEEDS_HUMAN_MESSAGE = (
    "🛠 Your report on “{title}” could not be fixed automatically; a moderator will look at it."
)


def target_key(
    *,
    title: Title,
    media_file: MediaFile | None = None,
    episode: Episode | None = None,
    chapter: Chapter | None = None,
) -> str:
    parts = [title.pk, media_file and media_file.pk, episode and episode.pk, chapter and chapter.pk]
    return ":".join("" if p is None else str(p) for p in parts)


def _snapshot(report: Report) -> dict[str, Any]:
    return {
        "status": report.status,
        "auto_fix_attempted": report.auto_fix_attempted,
        "resolution_notes": report.resolution_notes,
    }


def _validate_target(
    *,
    title: Title,
    issue: str,
    media_file: MediaFile | None,
    episode: Episode | None,
    chapter: Chapter | None,
) -> tuple[Episode | None, str]:
    if issue not in ReportIssue.values:
        raise ValidationError({"issue": f"Unknown issue {issue!r}."})
    if issue not in ISSUES_BY_MEDIA_TYPE[title.media_type]:
        raise ValidationError({"issue": f"A {title.media_type} cannot have the issue {issue}."})
    if chapter is not None:
        if chapter.manga_id != title.pk:
            raise ValidationError({"chapter": "That chapter belongs to another title."})
        if media_file is not None or episode is not None:
            raise ValidationError({"chapter": "Report a chapter, or a file, not both."})
        return None, TargetType.CHAPTER
    if episode is not None and episode.series_id != title.pk:
        raise ValidationError({"episode": "That episode belongs to another title."})
    if media_file is not None:
        if media_file.title_id != title.pk:
            raise ValidationError({"file_hash": "That file belongs to another title."})
        if episode is not None and media_file.episode_id != episode.pk:
            raise ValidationError({"file_hash": "That file belongs to another episode."})
        return (episode or media_file.episode), TargetType.FILE
    if episode is not None:
        return episode, TargetType.EPISODE
    if issue == ReportIssue.MISSING_PAGES:
        raise ValidationError({"chapter": "Say which chapter is missing pages."})
    return None, TargetType.TITLE


def report_create(
    *,
    actor: Any,
    title: Title,
    issue: str,
    note: str = "",
    media_file: MediaFile | None = None,
    episode: Episode | None = None,
    chapter: Chapter | None = None,
) -> tuple[Report, bool]:
    """Open a report by ``actor`` (the reporting user). Returns (report, created): a user's
    repeat on the same target and issue while one is open returns the open one."""
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": "At most 500 characters."})
    episode, target_type = _validate_target(
        title=title, issue=issue, media_file=media_file, episode=episode, chapter=chapter
    )
    key = target_key(title=title, media_file=media_file, episode=episode, chapter=chapter)
    existing = Report.objects.filter(
        reported_by=actor, target_key=key, issue=issue, status__in=OPEN_STATUSES
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                title=title,
                media_file=media_file,
                episode=episode,
                chapter=chapter,
                target_type=target_type,
                target_key=key,
                reported_by=actor,
                issue=issue,
                note=note,
            )
            audit_record(
                actor=actor, action="report_create", target=report, after=_snapshot(report)
            )
            report_id = report.pk
            _pending_changed()
            if issue == ReportIssue.COPYRIGHT:
                # Nothing to repair: a human decides (a takedown, or ignore); the admins' channel
                # hears of it at once, and sites with the DMCA shield hide the title now.
                catalog_services.title_copyright_hold_set(title_id=title.pk, held=True)
                alert_raise(
                    kind=AdminAlert.Kind.COPYRIGHT_REPORT,
                    message=f"Copyright complaint on “{title.title}” ({title.short_id}) "
                    f"by user {actor.pk}: {note or 'no details'}",
                    payload={"report_id": report_id, "title": title.short_id},
                )
            else:
                task_send("medic.tasks.report_triage", report_id)
    except IntegrityError:
        # A concurrent identical request won the constraint: return its report.
        existing = Report.objects.filter(
            reported_by=actor, target_key=key, issue=issue, status__in=OPEN_STATUSES
        ).first()
        if existing is None:
            raise
        return existing, False
    return report, True


def copyright_hold_refresh(*, title_id: int) -> bool:
    """The title is held (hidden by DMCA-shield sites) while any copyright report on it is
    open."""
    held = Report.objects.filter(
        title_id=title_id, issue=ReportIssue.COPYRIGHT, status__in=OPEN_STATUSES
    ).exists()
    return catalog_services.title_copyright_hold_set(title_id=title_id, held=held)


def _pending_changed() -> None:
    transaction.on_commit(lambda: cache.delete(PENDING_KEY))


def report_transition(
    *,
    report: Report,
    actor: Any,
    action: str,
    to: str,
    allowed_from: tuple[str, ...],
    note: str = "",
) -> bool:
    """Move the report with a conditional UPDATE (so two moderators cannot both win)."""
    if report.status == to:
        return False
    if report.status not in allowed_from:
        raise ValidationError(
            {"status": f"A {report.status} report cannot go to {to}."}, code="invalid_transition"
        )
    before = _snapshot(report)
    now = timezone.now()
    fields: dict[str, Any] = {"status": to, "updated_at": now}
    if to in (ReportStatus.FIXED, ReportStatus.IGNORED):
        fields["resolved_at"] = now
    if note:
        fields["resolution_notes"] = (
            f"{report.resolution_notes}\n{note}".strip() if report.resolution_notes else note
        )
    with transaction.atomic():
        changed = Report.objects.filter(pk=report.pk, status=report.status).update(**fields)
        if not changed:  # someone moved it meanwhile: re-read and let the caller see it
            report.refresh_from_db()
            return False
        for name, value in fields.items():
            setattr(report, name, value)
        audit_record(
            actor=actor,
            action=action,
            target=report,
            before=before,
            after=_snapshot(report),
            reason=note,
        )
        _pending_changed()
        if report.issue == ReportIssue.COPYRIGHT:
            copyright_hold_refresh(title_id=report.title_id)
        if to == ReportStatus.FIXED:
            report_id = report.pk
            task_send("medic.tasks.report_notify", report_id)
    return True


def report_needs_human(*, report: Report, reason: str, actor: Any = None) -> bool:
    """Nothing automatic is left to try: the report waits for a moderator, with the reason, and
    its reporter is told (once). Idempotent."""
    changed = report_transition(
        report=report,
        actor=actor,
        action="report_needs_human",
        to=ReportStatus.NEEDS_HUMAN,
        allowed_from=(ReportStatus.PENDING, ReportStatus.REPAIRING),
        note=reason,
    )
    if changed:
        integrations.notify_user(
            user_id=report.reported_by_id,
            text=NEEDS_HUMAN_MESSAGE.format(title=report.title.title),
            dedupe_key=f"medic-report-needs-human-{report.pk}",
        )
    return changed


def report_mark_fixed(*, report: Report, actor: Any, note: str = "") -> bool:
    return report_transition(
        report=report,
        actor=actor,
        action="report_mark_fixed",
        to=ReportStatus.FIXED,
        allowed_from=OPEN_STATUSES,
        note=note,
    )


def report_ignore(*, report: Report, actor: Any, reason: str) -> bool:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the report is ignored."})
    return report_transition(
        report=report,
        actor=actor,
        action="report_ignore",
        to=ReportStatus.IGNORED,
        allowed_from=OPEN_STATUSES,
        note=reason,
    )


def report_attach_check(*, report: Report, result: dict[str, Any]) -> None:
    """Store the automatic check's result on the report (for the moderator)."""
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(check_result=result, checked_at=now)
    report.check_result, report.checked_at = result, now


def report_notify(*, report: Report) -> bool:
    """DM the reporter that their report is fixed — once: the claim is a conditional UPDATE
    of ``notified_at``, so retries and duplicate deliveries send nothing more."""
    claimed = Report.objects.filter(
        pk=report.pk, status=ReportStatus.FIXED, notified_at__isnull=True
    ).update(notified_at=timezone.now())
    if not claimed:
        return False
    integrations.notify_user(
        user_id=report.reported_by_id,
        text=FIXED_MESSAGE.format(title=report.title.title),
        dedupe_key=f"medic-report-fixed-{report.pk}",
    )
    return True


def reports_for_target(
    *, title: Title, media_file: MediaFile | None = None, include_title_level: bool = True
):
    """Open reports a repair of ``media_file`` (or of the whole title) answers: the file's own,
    its episode's, and (unless something else on the title is still broken) the title-level
    ones."""
    qs = Report.objects.filter(title=title, status__in=OPEN_STATUSES)
    if media_file is None:
        return qs
    cond = Q(media_file=media_file)
    if include_title_level:
        cond |= Q(target_type=TargetType.TITLE)
    if media_file.episode_id is not None:
        cond |= Q(target_type=TargetType.EPISODE, episode_id=media_file.episode_id)
    return qs.filter(cond)


def reports_fix_for_target(
    *,
    title: Title,
    media_file: MediaFile | None = None,
    chapter: Chapter | None = None,
    include_title_level: bool = True,
    actor: Any = None,
    note: str = "",
) -> int:
    """Mark every open report the repair answered fixed (each reporter is DM'd once)."""
    if chapter is not None:
        qs = Report.objects.filter(chapter=chapter, status__in=OPEN_STATUSES)
    else:
        qs = reports_for_target(
            title=title, media_file=media_file, include_title_level=include_title_level
        )
    fixed = 0
    for report in qs.select_related("title"):
        fixed += report_mark_fixed(report=report, actor=actor, note=note)
    return fixed


def reports_merge_guest(guest: Any, into: Any) -> None:
    """A guest's reports move to the account they log in to (the guest row is then deleted,
    which would otherwise delete its reports). An open report the account already has on the
    same target and issue wins; the guest's duplicate is closed as such."""
    for report in Report.objects.filter(reported_by=guest):
        try:
            with transaction.atomic():
                Report.objects.filter(pk=report.pk).update(reported_by=into)
        except IntegrityError:
            Report.objects.filter(pk=report.pk, status__in=OPEN_STATUSES).update(
                status=ReportStatus.IGNORED, resolution_notes="Duplicate after guest login."
            )
            Report.objects.filter(pk=report.pk).update(reported_by=into)
