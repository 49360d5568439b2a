"""Reads for the admin: the pending badge and the dashboard."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from catalog.models import DownloadMirror, LinkStatus, Title, TitleStatus
from core.queue import queue_depths
from ingest.models import Submission, SubmissionStatus
from jobs.models import Job, JobStatus
from medic.models import Report, ReportStatus
from swarm.models import Worker, WorkerStatus

PENDING_KEY = "medic:pending-count"
PENDING_TTL = 30  # seconds: the badge is on every admin page, so it is cached briefly


def pending_reports() -> QuerySet[Report]:
    """Reports waiting for a human (the admin's badge)."""
    return Report.objects.filter(status__in=[ReportStatus.PENDING, ReportStatus.NEEDS_HUMAN])


def pending_reports_count() -> int:
    count = cache.get(PENDING_KEY)
    if count is None:
        count = pending_reports().count()
        cache.set(PENDING_KEY, count, PENDING_TTL)
    return count


def _url(name: str, query: str = "") -> str | None:
    try:
        return reverse(name) + (f"?{query}" if query else "")
    except NoReverseMatch:
        return None


def dashboard() -> dict[str, Any]:
    """The admin index's health tiles and the 30-day chart, in a fixed number of queries."""
    report_counts = Report.objects.aggregate(
        pending=Count("id", filter=Q(status=ReportStatus.PENDING)),
        repairing=Count("id", filter=Q(status=ReportStatus.REPAIRING)),
    )
    tiles: list[dict[str, Any]] = [
        {
            "label": "Pending reports",
            "value": report_counts["pending"],
            "alert": True,
            "url": _url("admin:medic_report_changelist", "status__exact=pending"),
        },
        {
            "label": "Reports being repaired",
            "value": report_counts["repairing"],
            "url": _url("admin:medic_report_changelist", "status__exact=repairing"),
        },
        {
            "label": "Titles repairing",
            "value": Title.objects.filter(status=TitleStatus.REPAIRING).count(),
            "alert": True,
            "url": _url("admin:catalog_title_changelist", "status__exact=repairing"),
        },
        {
            "label": "Dead mirrors",
            "value": DownloadMirror.objects.filter(status=LinkStatus.DEAD).count(),
            "alert": True,
            "url": _url("admin:medic_mirrorhealth_changelist", "status__exact=dead"),
        },
    ]
    tiles.append(
        {
            "label": "Failed jobs",
            "value": Job.objects.filter(status=JobStatus.FAILED).count(),
            "alert": True,
            "url": _url("admin:jobs_job_changelist", "status__exact=failed"),
        }
    )
    tiles.append(
        {
            "label": "Quarantine waiting",
            "value": Submission.objects.filter(status=SubmissionStatus.PENDING).count(),
            "url": _url("admin:ingest_submission_changelist", "status__exact=pending"),
        }
    )
    by_status = dict(Worker.objects.order_by().values_list("status").annotate(n=Count("id")))
    workers = [
        {
            "label": str(label).lower(),
            "value": by_status.get(value, 0),
            "url": _url("admin:swarm_worker_changelist", f"status__exact={value}"),
        }
        for value, label in WorkerStatus.choices
    ]
    return {"tiles": tiles, "workers": workers, "chart": reports_chart()}


def system_status() -> dict[str, Any]:
    """The numbers of the bot's /status: accounts by state, queue depths (None: the broker is
    not reachable), jobs, open reports and the quarantine — a fixed number of queries."""
    workers = dict(Worker.objects.order_by().values_list("status").annotate(n=Count("id")))
    jobs = Job.objects.aggregate(
        running=Count("id", filter=Q(status=JobStatus.RUNNING)),
        queued=Count("id", filter=Q(status=JobStatus.QUEUED)),
        failed_today=Count(
            "id",
            filter=Q(
                status=JobStatus.FAILED,
                updated_at__gte=timezone.now() - datetime.timedelta(days=1),
            ),
        ),
    )
    reports = Report.objects.aggregate(
        pending=Count("id", filter=Q(status=ReportStatus.PENDING)),
        needs_human=Count("id", filter=Q(status=ReportStatus.NEEDS_HUMAN)),
        repairing=Count("id", filter=Q(status=ReportStatus.REPAIRING)),
    )
    return {
        "workers": {value: workers.get(value, 0) for value in WorkerStatus.values},
        "queues": queue_depths(),
        "jobs": jobs,
        "running": list(
            Job.objects.filter(status=JobStatus.RUNNING)
            .order_by("started_at")
            .values_list("id", "kind", "progress")[:5]
        ),
        "reports": reports,
        "quarantine": Submission.objects.filter(status=SubmissionStatus.PENDING).count(),
    }


def reports_series(days: int = 30) -> list[tuple[datetime.date, int, int]]:
    """(day, opened, fixed) for the last ``days`` days, oldest first."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    opened = dict(
        Report.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values_list("day")
        .annotate(n=Count("id"))
    )
    fixed = dict(
        Report.objects.filter(status=ReportStatus.FIXED, resolved_at__gte=since)
        .annotate(day=TruncDate("resolved_at"))
        .order_by()
        .values_list("day")
        .annotate(n=Count("id"))
    )
    days_list = [start + datetime.timedelta(days=i) for i in range(days)]
    return [(d, opened.get(d, 0), fixed.get(d, 0)) for d in days_list]


def reports_chart(days: int = 30) -> str:
    """An inline SVG: opened (red) and fixed (green) bars per day. No JavaScript, no CDN."""
    from django.utils.html import format_html, format_html_join
    from django.utils.safestring import mark_safe

    series = reports_series(days)
    width, height, pad = 600, 140, 20
    top = max([1, *(max(o, f) for _, o, f in series)])
    slot = (width - 2 * pad) / len(series)
    bar = max(1.0, slot / 2 - 1)
    scale = (height - 2 * pad) / top
    bars = []
    for i, (day, opened, fixed) in enumerate(series):
        x = pad + i * slot
        for offset, value, color, name in (
            (0, opened, "#d32f2f", "opened"),
            (bar, fixed, "#2e7d32", "fixed"),
        ):
            h = value * scale
            bars.append(
                (
                    f"{x + offset:.1f}",
                    f"{height - pad - h:.1f}",
                    f"{bar:.1f}",
                    f"{h:.1f}",
                    color,
                    f"{day.isoformat()}: {value} {name}",
                )
            )
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        bars,
    )
    totals = (sum(o for _, o, _ in series), sum(f for _, _, f in series))
    return format_html(
        '<svg id="medic-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        'width="100%" role="img" aria-label="Reports opened vs fixed">'
        '<line x1="{p}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>{rects}'
        '<text x="{p}" y="12" font-size="11" fill="#d32f2f">opened {o}</text>'
        '<text x="{p2}" y="12" font-size="11" fill="#2e7d32">fixed {f}</text>'
        '<text x="{r}" y="12" font-size="11" text-anchor="end" fill="#666">max {top}/day</text>'
        "</svg>",
        w=width,
        h=height,
        p=pad,
        p2=pad + 90,
        b=height - pad,
        r=width - pad,
        rects=mark_safe(rects),
        o=totals[0],
        f=totals[1],
        top=top,
    )
