"""Title views: real plays, counted once per visitor per title per day, without a database
write per request.

A play is a visitor's player reporting a position past ``VIEW_MIN_SECONDS`` (or half of a
shorter item), or a manga reader turning past a chapter's first page. The first such report of
the day claims a cache key (``cache.add``: Redis in production); only that one counts. Counts
gather in a Redis hash and the ``catalog: views`` beat task adds them to ``Title.views`` (one
UPDATE per title per run), so ``ordering=views`` reflects real plays within a minute. Without
Redis (the embedded default, or while it is unreachable) the count goes to the row at once.

A batch is renamed before it is read, so counts that arrive during a flush wait for the next
one; a batch left by a flush that died is picked up by the next run.

Each counted play also adds one to its hour's counter in the cache (kept two days), which the
admin's dashboard draws as plays per hour (``plays_by_hour``: one round trip).
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.redis import ERRORS, breaker
from core.redis import client as redis_client

from .models import Title

PENDING = "catalog:views:pending"
FLUSHING = "catalog:views:flushing:"
LOCK = "catalog:views:lock"
HOUR = "catalog:plays:hour:"  # + YYYYMMDDHH (UTC)
HOUR_KEPT = 2 * 86400


def _hour_key(at: datetime.datetime) -> str:
    return HOUR + at.astimezone(datetime.UTC).strftime("%Y%m%d%H")


def _hour_count() -> None:
    key = _hour_key(timezone.now())
    cache.add(key, 0, timeout=HOUR_KEPT)
    try:
        cache.incr(key)
    except ValueError:  # evicted between the two calls: this play starts the hour again
        cache.add(key, 1, timeout=HOUR_KEPT)


def plays_by_hour(hours: int = 24) -> list[tuple[datetime.datetime, int]]:
    """(hour, plays counted in it) for the last ``hours`` hours, oldest first."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    slots = [now - datetime.timedelta(hours=h) for h in range(hours - 1, -1, -1)]
    counts = cache.get_many([_hour_key(s) for s in slots])
    return [(s, int(counts.get(_hour_key(s)) or 0)) for s in slots]


def threshold(length: float | None) -> float:
    """Seconds of an item a visitor must reach for a play to count."""
    if not length:
        return float(settings.VIEW_MIN_SECONDS)
    return min(float(settings.VIEW_MIN_SECONDS), length / 2)


def play_record(*, title_id: int, visitor_id: int | str) -> bool:
    """Count a play of the title by this visitor, once a day. True when it counted."""
    day = timezone.now().date().isoformat()
    if not cache.add(f"play:{day}:{title_id}:{visitor_id}", 1, timeout=2 * 86400):
        return False
    _hour_count()
    if settings.REDIS_URL and breaker.closed():
        try:
            redis_client(settings.REDIS_URL).hincrby(PENDING, str(title_id), 1)
            return True
        except ERRORS as exc:
            breaker.trip(exc)
    Title.objects.filter(pk=title_id).update(views=F("views") + 1)
    return True


def plays_flush() -> int:
    """Add the gathered counts to ``Title.views``; returns how many plays were added."""
    if not settings.REDIS_URL:
        return 0
    r = redis_client(settings.REDIS_URL)
    if not r.set(LOCK, 1, nx=True, ex=120):
        return 0  # another flush is running
    try:
        return _flush(r)
    finally:
        r.delete(LOCK)


def _flush(r) -> int:
    batches = [key.decode() for key in r.scan_iter(f"{FLUSHING}*")]  # left by a dead flush
    if r.exists(PENDING):
        batch = f"{FLUSHING}{uuid.uuid4().hex}"
        if r.renamenx(PENDING, batch):
            batches.append(batch)
    added = 0
    for batch in batches:
        counts = {int(k): int(v) for k, v in r.hgetall(batch).items()}
        with transaction.atomic():
            for title_id, n in sorted(counts.items()):
                Title.objects.filter(pk=title_id).update(views=F("views") + n)
        r.delete(batch)
        added += sum(counts.values())
    return added
