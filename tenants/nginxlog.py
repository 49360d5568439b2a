"""Bytes nginx sent itself (X-Accel-Redirect, ``secure_link``): Python never sees them, so the
shipped nginx configuration logs them, one line per response, in the ``streamvault_bytes``
format::

    log_format streamvault_bytes '$msec $host $body_bytes_sent';

Each pass reads the lines added since the last one (``LogCursor``: inode and offset; a rotated
file starts again at 0) and adds them to the tenants' daily rows in the same transaction as the
cursor, so a crash counts nothing twice."""

from __future__ import annotations

import datetime
import logging
import os
from collections import defaultdict

from django.db import transaction
from django.db.models import F

from .models import LogCursor, Tenant, TenantDailyStats
from .resolve import site_known, sites_refresh

log = logging.getLogger(__name__)

MAX_READ = 64 * 1024 * 1024  # per pass: a huge backlog is read over several passes


def _parse(line: str) -> tuple[datetime.date, str, int] | None:
    parts = line.split()
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    try:
        when = datetime.datetime.fromtimestamp(float(parts[0]), datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return when.date(), parts[1], int(parts[2])


def nginx_bytes_ingest(*, path: str) -> int:
    """Read new lines of nginx's bytes log; returns the bytes counted."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return 0
    sites_refresh()
    with transaction.atomic():
        cursor, _ = LogCursor.objects.select_for_update().get_or_create(path=path)
        offset = (
            cursor.offset if cursor.inode == stat.st_ino and cursor.offset <= stat.st_size else 0
        )
        with open(path, "rb") as handle:
            handle.seek(offset)
            chunk = handle.read(MAX_READ)
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line nginx is still writing waits
        totals: dict[tuple[int, datetime.date], int] = defaultdict(int)
        for raw in complete.decode("utf-8", "replace").splitlines():
            parsed = _parse(raw)
            if parsed is None:
                continue
            day, host, sent = parsed
            site = site_known(host)
            if site is not None and sent:
                totals[(site.id, day)] += sent
        known = set(
            Tenant.objects.filter(pk__in={k[0] for k in totals}).values_list("pk", flat=True)
        )
        for (tenant_id, day), sent in totals.items():
            if tenant_id not in known:
                continue
            row, _ = TenantDailyStats.objects.get_or_create(tenant_id=tenant_id, day=day)
            TenantDailyStats.objects.filter(pk=row.pk).update(nginx_bytes=F("nginx_bytes") + sent)
        cursor.inode, cursor.offset = stat.st_ino, offset + len(complete)
        cursor.save(update_fields=["inode", "offset", "updated_at"])
    return sum(totals.values())
