"""Traffic per site and UTC day, measured where it happens and kept in Redis until the nightly
roll-up (``tenants.stats``):

- unique visitors: ``TenantMiddleware`` adds each request's visitor (a digest of its client
  address and user agent: no cookie needed, nothing personal stored) to a HyperLogLog;
- bytes served: the byte doors (``/s/``, subtitles, pages) report what they sent, ranges
  included, through ``core.traffic``; bytes nginx sent itself come from its log
  (``tenants.nginxlog``);
- ad-link clicks: our ``/go/`` redirect reports each click.

A web process adds counts in memory and sends them in one pipeline at most every
``TENANT_TRAFFIC_FLUSH_SECONDS`` (and at exit): the request path costs no Redis round trip.
Without Redis (the embedded default) nothing is kept.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import logging
import threading
import time
from collections import defaultdict

from django.conf import settings

from core.redis import ERRORS as REDIS_ERRORS
from core.redis import breaker
from core.redis import client as redis_client
from core.traffic import traffic_meter

from .resolve import Site, site_known

log = logging.getLogger(__name__)

KEEP_SECONDS = 40 * 86400  # a day's keys outlive the month it belongs to
VISITORS, BYTES, CLICKS = "visitors", "bytes", "ad_clicks"


def day_key(kind: str, site_id: int, day: datetime.date) -> str:
    return f"tenants:{kind}:{site_id}:{day.isoformat()}"


def today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


class _Pending:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[tuple[str, int, datetime.date], int] = defaultdict(int)
        self.visitors: dict[tuple[int, datetime.date], set[str]] = defaultdict(set)
        self.flushed = time.monotonic()

    def take(self) -> tuple[dict, dict]:
        with self.lock:
            counts, visitors = dict(self.counts), dict(self.visitors)
            self.counts.clear()
            self.visitors.clear()
            self.flushed = time.monotonic()
        return counts, visitors


_pending = _Pending()


def visitor_id(*, ip: str, user_agent: str) -> str:
    return hashlib.sha256(f"{ip}|{user_agent}".encode()).hexdigest()[:20]


def visit(*, site: Site, ip: str, user_agent: str) -> None:
    """One request of a visitor on ``site`` (the middleware)."""
    with _pending.lock:
        _pending.visitors[(site.id, today())].add(visitor_id(ip=ip, user_agent=user_agent))
    _maybe_flush()


def count(*, site_id: int, kind: str, amount: int) -> None:
    with _pending.lock:
        _pending.counts[(kind, site_id, today())] += amount
    _maybe_flush()


@traffic_meter
def _meter(host: str, kind: str, amount: int) -> None:
    """``core.traffic``'s meter: bytes and clicks of a host's site."""
    site = site_known(host)
    if site is not None and kind in (BYTES, CLICKS):
        count(site_id=site.id, kind=kind, amount=amount)


def _maybe_flush() -> None:
    if time.monotonic() - _pending.flushed >= settings.TENANT_TRAFFIC_FLUSH_SECONDS:
        traffic_flush()


def traffic_flush() -> None:
    """Send this process's counts to Redis now (a roll-up and the tests call it; a failed send
    is logged and dropped, never retried into a request)."""
    counts, visitors = _pending.take()
    if not (counts or visitors) or not settings.REDIS_URL or not breaker.closed():
        return
    try:
        pipe = redis_client(settings.REDIS_URL).pipeline(transaction=False)
        for (kind, site_id, day), amount in counts.items():
            key = day_key(kind, site_id, day)
            pipe.incrby(key, amount)
            pipe.expire(key, KEEP_SECONDS)
        for (site_id, day), ids in visitors.items():
            key = day_key(VISITORS, site_id, day)
            pipe.pfadd(key, *sorted(ids))
            pipe.expire(key, KEEP_SECONDS)
        pipe.execute()
    except REDIS_ERRORS as exc:
        breaker.trip(exc)
        log.warning("traffic counts not sent (%s): %d entries dropped", exc, len(counts))


atexit.register(traffic_flush)
