"""Scheduled link health: mirrors, embeds and backup URLs, oldest check first, in batches.

A definitive failure (404, 410, a redirect loop, a refused HEAD and GET) marks the link dead
at once; a transient one (timeout, 5xx, 429, a host that does not resolve or refuses the
connection) after ``MEDIC_DEAD_AFTER`` failed checks in a row (spaced by the batch's
``MEDIC_HEALTH_MIN_AGE_HOURS``), so a host's bad minute does not send every title it serves
into repair, and a host that is gone is not retried forever. A link that answers again
becomes active again. A newly dead mirror or embed opens the same repair as a user report.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from catalog import services as catalog
from catalog.models import DownloadMirror, Embed, LinkStatus, MediaFile, TitleStatus
from medic.models import LinkCheck, LinkKind

from .linkchecks import linkcheck_row, links_check
from .repair import repair_open


def _due(model, cutoff, size):
    return list(
        model.objects.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=cutoff))
        .exclude(media_file__title__status=TitleStatus.BANNED)
        .select_related("media_file__title")
        .order_by(F("last_checked_at").asc(nulls_first=True), "id")[:size]
    )


def _backups_due(cutoff, size):
    last = (
        LinkCheck.objects.filter(kind=LinkKind.BACKUP, link_id=OuterRef("pk"))
        .order_by("-checked_at")
        .values("checked_at")[:1]
    )
    return list(
        MediaFile.objects.exclude(backup_url="")
        .exclude(title__status=TitleStatus.BANNED)
        .annotate(last_backup_check=Subquery(last))
        .filter(Q(last_backup_check__isnull=True) | Q(last_backup_check__lt=cutoff))
        .order_by(F("last_backup_check").asc(nulls_first=True), "id")
        .only("id", "backup_url", "title_id")[:size]
    )


def _failures_in_a_row(kind: str, ids: list[int], since) -> dict[int, int]:
    """How many of each link's latest checks (within ``since``) failed in a row."""
    streak: dict[int, int] = {}
    rows = (
        LinkCheck.objects.filter(kind=kind, link_id__in=ids, checked_at__gte=since)
        .order_by("link_id", "checked_at")
        .values_list("link_id", "ok")
    )
    for link_id, ok in rows:
        streak[link_id] = 0 if ok else streak.get(link_id, 0) + 1
    return streak


def links_health_batch(*, size: int | None = None) -> dict[str, Any]:
    """Check the ``size`` least recently checked mirrors, embeds and backup URLs each."""
    size = size or settings.MEDIC_HEALTH_BATCH
    now = timezone.now()
    min_age = datetime.timedelta(hours=settings.MEDIC_HEALTH_MIN_AGE_HOURS)
    cutoff = now - min_age
    return _check_links(
        mirrors=_due(DownloadMirror, cutoff, size),
        embeds=_due(Embed, cutoff, size),
        backups=_backups_due(cutoff, size),
    )


def links_check_mirrors(*, mirror_ids: list[int]) -> dict[str, Any]:
    """Check these mirrors now (the admin's "check now")."""
    mirrors = list(
        DownloadMirror.objects.filter(pk__in=mirror_ids).select_related("media_file__title")
    )
    return _check_links(mirrors=mirrors, embeds=[], backups=[])


def _check_links(*, mirrors: list, embeds: list, backups: list) -> dict[str, Any]:
    now = timezone.now()
    min_age = datetime.timedelta(hours=settings.MEDIC_HEALTH_MIN_AGE_HOURS)
    results = links_check(
        mirrors=mirrors, urls=[e.url for e in embeds] + [f.backup_url for f in backups]
    )
    since = now - 4 * min_age - datetime.timedelta(days=1)
    counts = {"checked": 0, "alive": 0, "dead": 0, "newly_dead": 0, "repairs": 0}
    rows: list[LinkCheck] = []
    for kind, links in ((LinkKind.MIRROR, mirrors), (LinkKind.EMBED, embeds)):
        failed_before = _failures_in_a_row(kind, [link.pk for link in links], since)
        unchanged: list[int] = []
        for link in links:
            r = results[link.url]
            rows.append(linkcheck_row(kind, link.pk, link.media_file, r))
            counts["checked"] += 1
            counts["alive" if r.ok else "dead"] += 1
            if r.ok:
                status = LinkStatus.ACTIVE
            elif r.transient and failed_before.get(link.pk, 0) + 1 < settings.MEDIC_DEAD_AFTER:
                # A timeout, a 5xx, a host that does not resolve or refuses: look again next
                # time; only MEDIC_DEAD_AFTER failures in a row make the link dead.
                status = link.status
            else:
                status = LinkStatus.DEAD
            if status == link.status:
                unchanged.append(link.pk)
                continue
            with transaction.atomic():
                catalog.link_set_status(link=link, status=status)
                if status == LinkStatus.DEAD:
                    counts["newly_dead"] += 1
                    repair_open(
                        title=link.media_file.title,
                        media_file=link.media_file,
                        reason=f"health check: {kind} {link.host} dead ({r.error})",
                    )
                    counts["repairs"] += 1
        if unchanged:
            model = DownloadMirror if kind == LinkKind.MIRROR else Embed
            model.objects.filter(pk__in=unchanged).update(last_checked_at=now)
    for f in backups:
        r = results[f.backup_url]
        rows.append(linkcheck_row(LinkKind.BACKUP, f.pk, f, r))
        counts["checked"] += 1
        counts["alive" if r.ok else "dead"] += 1
    LinkCheck.objects.bulk_create(rows)
    return counts
