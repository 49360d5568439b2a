"""The admin console's frame (django-unfold's ``UNFOLD`` callbacks): the brand a request's site
carries, the sidebar grouped by the work people do — each page listed only for those allowed to
see it, with a badge where something waits for a human — and the index's dashboard.

The badges are counted in one query and kept ``WAITING_TTL`` seconds in the shared cache; the
pending reports' count shares the medic's cache key, which every report change drops, so that
badge is fresh at once."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from community.models import Comment, ModerationStatus
from ingest.models import Submission, SubmissionStatus
from jobs.models import Job, JobStatus
from live.models import Creator, CreatorStatus, StreamReport, StreamReportStatus
from medic.selectors import PENDING_KEY, PENDING_TTL, pending_reports
from tenants.resolve import site_for_host

BRAND = "StreamVault"
WAITING_KEY = "admin:waiting"
WAITING_TTL = 30  # seconds

# (group, icon, [(model label, icon)]) — the order people work in. A registered model not
# listed here is shown under System, so nothing is ever hidden by this list.
GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Moderation",
        [
            ("medic.report", "flag"),
            ("medic.takedown", "gavel"),
            ("ingest.submission", "inventory_2"),
            ("community.comment", "forum"),
            ("live.streamreport", "report"),
            ("live.chatmessage", "chat"),
            ("live.chatban", "block"),
            ("ingest.blockedhash", "do_not_disturb_on"),
            ("ingest.blockedattempt", "gpp_bad"),
            ("medic.repair", "build"),
            ("medic.mirrorhealth", "link_off"),
            ("medic.linkcheck", "fact_check"),
        ],
    ),
    (
        "Catalog",
        [
            ("catalog.title", "movie"),
            ("catalog.episode", "video_library"),
            ("catalog.mediafile", "video_file"),
            ("catalog.chapter", "menu_book"),
            ("catalog.genre", "category"),
            ("catalog.seasonpack", "folder_zip"),
            ("catalog.chapterpack", "folder_zip"),
            ("catalog.introvote", "skip_next"),
            ("ingest.broadcast", "campaign"),
        ],
    ),
    ("Ingest", [("jobs.job", "sync"), ("swarm.channel", "podcasts")]),
    ("Swarm", [("swarm.worker", "hub")]),
    (
        "Live",
        [
            ("live.creator", "videocam"),
            ("live.stream", "live_tv"),
            ("live.category", "label"),
            ("live.streamanalytics", "monitoring"),
        ],
    ),
    ("Studio", []),  # every studio page (filled in below by app)
    ("Tenants", []),
    (
        "People",
        [
            ("accounts.user", "person"),
            ("community.communitymember", "groups"),
            ("accounts.wishlistentry", "bookmark"),
            ("accounts.adlink", "ads_click"),
            ("auth.group", "admin_panel_settings"),
            ("otp_totp.totpdevice", "phonelink_lock"),
        ],
    ),
]
APP_GROUPS = {"studio": "Studio", "tenants": "Tenants"}
TITLES = {"ingest.submission": "Quarantine"}  # the work's name, where it is not the model's
ICONS = {"studio": "movie_edit", "tenants": "storefront"}


def brand(request: HttpRequest) -> str:
    """A tenant's staff, on the tenant's own domain, see its name; everyone else StreamVault."""
    site = site_for_host(request.get_host().split(":")[0]) if request else None
    return site.name if site is not None and not site.is_default else BRAND


def _count_all(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """Every count in one round trip: ``SELECT (SELECT COUNT(*) FROM (…)), …``."""
    parts, params = [], []
    for i, qs in enumerate(querysets.values()):
        sql, p = qs.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS w{i})")
        params.extend(p)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, (int(n) for n in row), strict=True))


def waiting() -> dict[str, int]:
    """What waits for a human, by model label (cached ``WAITING_TTL`` seconds)."""
    cached = cache.get_many([WAITING_KEY, PENDING_KEY])
    counts = cached.get(WAITING_KEY)
    if counts is None or PENDING_KEY not in cached:
        counts = _count_all(
            {
                "medic.report": pending_reports(),
                "ingest.submission": Submission.objects.filter(status=SubmissionStatus.PENDING),
                "community.comment": Comment.objects.filter(
                    moderation_status=ModerationStatus.FLAGGED
                ),
                "live.streamreport": StreamReport.objects.filter(status=StreamReportStatus.OPEN),
                "live.creator": Creator.objects.filter(status=CreatorStatus.PENDING),
                "jobs.job": Job.objects.filter(status=JobStatus.FAILED),
            }
        )
        cache.set(WAITING_KEY, counts, WAITING_TTL)
        cache.set(PENDING_KEY, counts["medic.report"], PENDING_TTL)
        return counts
    return {**counts, "medic.report": cached[PENDING_KEY]}


def _link(label: str) -> str:
    app, model = label.split(".")
    try:
        return reverse(f"admin:{app}_{model}_changelist")
    except NoReverseMatch:
        return ""


def navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """The sidebar: the pages this user may see, grouped by work, with what waits."""
    allowed = {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_view_or_change_permission(request)
    }
    counts = waiting() if request.user.is_active and request.user.is_staff else {}
    groups: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in GROUPS}
    groups["System"] = []
    placed: set[str] = set()

    def item(label: str, icon: str) -> dict[str, Any]:
        model = allowed[label].model
        name = TITLES.get(label) or str(model._meta.verbose_name_plural).capitalize()
        entry = {"title": name, "icon": icon}
        entry["link"] = _link(label)
        if counts.get(label):
            entry["badge"] = str(counts[label])
        return entry

    for name, items in GROUPS:
        for label, icon in items:
            if label in allowed:
                groups[name].append(item(label, icon))
                placed.add(label)
    for label in sorted(set(allowed) - placed):
        app = label.split(".")[0]
        group = APP_GROUPS.get(app, "System")
        groups[group].append(item(label, ICONS.get(app, "settings")))
    home = {"title": "Dashboard", "icon": "dashboard", "link": reverse("admin:index")}
    return [{"title": "", "items": [home]}] + [
        {"title": name, "collapsible": name not in ("Moderation",), "items": entries}
        for name, entries in groups.items()
        if entries
    ]
