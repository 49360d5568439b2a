"""The admin index: what needs a human now and how the machine is doing, from the database
(and the traffic Redis rolls up into it), in a fixed number of queries whatever the data size.
Charts are Chart.js canvases (shipped with the theme, no CDN) fed with JSON built here."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Title, TitleStatus
from catalog.plays import plays_by_hour
from ingest.kinds import JobKind
from jobs.models import Job, JobStatus
from live.models import Stream, StreamStatus
from medic.selectors import dashboard as medic_dashboard
from tenants.models import TenantDailyStats

DAYS = 30
INGESTS = [JobKind.INGEST_URL, JobKind.INGEST_LOCAL, JobKind.INGEST_FORWARD]
RED, GREEN, BLUE = "#dc2626", "#16a34a", "#2563eb"


def _days() -> tuple[datetime.date, list[datetime.date], datetime.datetime]:
    today = timezone.localdate()
    start = today - datetime.timedelta(days=DAYS - 1)
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    return start, [start + datetime.timedelta(days=i) for i in range(DAYS)], since


def ingest_series() -> dict[str, Any]:
    """Ingests started per day, and how many of them failed (one query)."""
    _, days, since = _days()
    rows = {
        r["day"]: r
        for r in Job.objects.filter(kind__in=INGESTS, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(n=Count("id"), failed=Count("id", filter=Q(status=JobStatus.FAILED)))
    }
    return {
        "labels": [d.strftime("%b %d") for d in days],
        "datasets": [
            {
                "label": "ingested",
                "data": [rows[d]["n"] - rows[d]["failed"] if d in rows else 0 for d in days],
                "backgroundColor": GREEN,
            },
            {
                "label": "failed",
                "data": [rows[d]["failed"] if d in rows else 0 for d in days],
                "backgroundColor": RED,
            },
        ],
    }


def traffic_series() -> dict[str, Any]:
    """Bytes served per day, every site together, in GiB (one query)."""
    start, days, _ = _days()
    served = dict(
        TenantDailyStats.objects.filter(day__gte=start)
        .order_by()
        .values_list("day")
        .annotate(total=Sum("bytes_served") + Sum("nginx_bytes"))
    )
    return {
        "labels": [d.strftime("%b %d") for d in days],
        "datasets": [
            {
                "label": "GiB served",
                "data": [round((served.get(d) or 0) / 2**30, 2) for d in days],
                "backgroundColor": BLUE,
            }
        ],
    }


def plays_series() -> dict[str, Any]:
    """Plays per hour over the last day (the cache's hourly counters: no query)."""
    hours = plays_by_hour(24)
    return {
        "labels": [timezone.localtime(h).strftime("%H:00") for h, _ in hours],
        "datasets": [{"label": "plays", "data": [n for _, n in hours], "backgroundColor": BLUE}],
    }


def jobs_by_state() -> list[dict[str, Any]]:
    counts = dict(Job.objects.order_by().values_list("status").annotate(n=Count("id")))
    url = reverse("admin:jobs_job_changelist")
    return [
        {"label": label, "value": counts.get(value, 0), "url": f"{url}?status__exact={value}"}
        for value, label in JobStatus.choices
    ]


def dashboard(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """``UNFOLD["DASHBOARD_CALLBACK"]``: the index's context."""
    if not (request.user.is_active and request.user.is_staff):
        return context
    top = list(
        Title.objects.filter(status=TitleStatus.AVAILABLE)
        .order_by("-views", "id")
        .values("id", "title", "views")[:10]
    )
    context.update(
        health=medic_dashboard(),
        ingests=json.dumps(ingest_series()),
        traffic=json.dumps(traffic_series()),
        plays=json.dumps(plays_series()),
        jobs=jobs_by_state(),
        top_titles=[
            {**t, "url": reverse("admin:catalog_title_change", args=[t["id"]])} for t in top
        ],
        live_now=Stream.objects.filter(status=StreamStatus.LIVE).count(),
        live_url=reverse("admin:live_stream_changelist") + "?status__exact=live",
    )
    return context
