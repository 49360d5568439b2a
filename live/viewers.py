"""Who is watching a live stream, from the HLS playlist fetches (a player asks for the playlist
every couple of seconds while it plays).

Per stream, in Redis: a sorted set of viewer sessions scored by their last fetch (current
viewers = the members seen within ``LIVE_VIEWER_SECONDS``), a HyperLogLog of every session
(total views = unique viewer sessions of the broadcast) and a counter of seconds watched (each
fetch adds the time since that viewer's previous one, at most ``LIVE_VIEWER_SECONDS``). The
stream's performance cache (``current_viewers``, ``peak_viewers``, ``total_views``) is written
from these at most every ``FLUSH_SECONDS`` per stream, and by the ``live: viewers`` beat task
so counts fall when people leave. Without Redis (the embedded demo) one process's memory keeps
the same figures."""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from core.redis import client

from .chat import broadcast
from .models import Creator, Stream, StreamStatus

FLUSH_SECONDS = 5


SEEN = """
local previous = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PFADD', KEYS[2], ARGV[1])
if previous then
  local gap = math.min(tonumber(ARGV[2]) - tonumber(previous), tonumber(ARGV[3]))
  redis.call('INCRBY', KEYS[3], math.max(0, math.floor(gap)))
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
"""


@lru_cache(maxsize=4)
def _seen_script(url: str) -> Any:
    return client(url).register_script(SEEN)


class RedisViewers:
    def __init__(self, url: str) -> None:
        self.url = url

    def _keys(self, public_id: str) -> tuple[str, str, str]:
        return (f"live:v:now:{public_id}", f"live:v:seen:{public_id}", f"live:v:watch:{public_id}")

    def seen(self, public_id: str, viewer: str, now: float) -> None:
        """One round trip (a script): the viewer's fetch time, the unique sessions, and the
        seconds since their previous fetch (at most ``LIVE_VIEWER_SECONDS``) added up."""
        window, keep = settings.LIVE_VIEWER_SECONDS, 2 * 24 * 3600
        _seen_script(self.url)(keys=self._keys(public_id), args=[viewer, now, window, keep])

    def figures(self, public_id: str, now: float) -> tuple[int, int, int]:
        """(current viewers, unique viewers, seconds watched)."""
        r = client(self.url)
        now_key, seen_key, watch_key = self._keys(public_id)
        pipe = r.pipeline()
        pipe.zremrangebyscore(now_key, "-inf", now - settings.LIVE_VIEWER_SECONDS)
        pipe.zcard(now_key)
        pipe.pfcount(seen_key)
        pipe.get(watch_key)
        _, current, unique, watched = pipe.execute()
        return int(current), int(unique), int(watched or 0)

    def forget(self, public_id: str) -> None:
        client(self.url).delete(*self._keys(public_id))


class MemoryViewers:
    """The same figures in this process (the embedded demo has one process and no Redis)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.streams: dict[str, dict[str, Any]] = {}

    def _of(self, public_id: str) -> dict[str, Any]:
        return self.streams.setdefault(public_id, {"now": {}, "seen": set(), "watch": 0})

    def seen(self, public_id: str, viewer: str, now: float) -> None:
        with self.lock:
            data = self._of(public_id)
            previous = data["now"].get(viewer)
            if previous is not None:
                data["watch"] += int(min(now - previous, settings.LIVE_VIEWER_SECONDS))
            data["now"][viewer] = now
            data["seen"].add(viewer)

    def figures(self, public_id: str, now: float) -> tuple[int, int, int]:
        with self.lock:
            data = self._of(public_id)
            edge = now - settings.LIVE_VIEWER_SECONDS
            data["now"] = {v: t for v, t in data["now"].items() if t > edge}
            return len(data["now"]), len(data["seen"]), data["watch"]

    def forget(self, public_id: str) -> None:
        with self.lock:
            self.streams.pop(public_id, None)


_memory = MemoryViewers()


def store() -> RedisViewers | MemoryViewers:
    return RedisViewers(settings.REDIS_URL) if settings.REDIS_URL else _memory


def viewer_seen(*, stream: Stream, viewer: str) -> None:
    """A player fetched the stream's playlist: count the session, and now and then write the
    figures to the stream row."""
    store().seen(stream.public_id, viewer, time.time())
    if cache.add(f"live:v:flush:{stream.public_id}", 1, timeout=FLUSH_SECONDS):
        viewers_flush(stream_id=stream.pk)


class Figures(NamedTuple):
    current: int
    unique: int
    watched: int  # seconds, all viewers


def figures_flush(*, stream_id: int) -> Figures | None:
    """Write a live stream's viewer figures to its performance cache (the creator's total
    views move by exactly what the stream's grew) and return them; None when not live."""
    with transaction.atomic():
        stream = Stream.objects.select_for_update().filter(pk=stream_id).first()
        if stream is None or stream.status != StreamStatus.LIVE:
            return None
        figures = Figures(*store().figures(stream.public_id, time.time()))
        grew = max(figures.unique - stream.total_views, 0)
        Stream.objects.filter(pk=stream.pk).update(
            current_viewers=figures.current,
            peak_viewers=Greatest(F("peak_viewers"), figures.current),
            total_views=F("total_views") + grew,
        )
        if grew:
            Creator.objects.filter(pk=stream.creator_id).update(
                total_stream_views=F("total_stream_views") + grew
            )
    return figures


def viewers_flush(*, stream_id: int) -> int | None:
    """``figures_flush``, returning the current viewers."""
    figures = figures_flush(stream_id=stream_id)
    return None if figures is None else figures.current


def forget(*, stream: Stream) -> None:
    store().forget(stream.public_id)


def viewers_tell(*, public_id: str, count: int) -> None:
    """The stream's chat sockets show the new count."""
    broadcast(public_id, {"type": "viewers", "count": count})
