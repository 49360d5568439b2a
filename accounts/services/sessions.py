"""Concurrent stream slots per user (docs/design.md): a Redis sorted set of slot → expiry, held by
the player's heartbeats; an in-process dict when there is no Redis (the embedded default)."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import redis
from django.conf import settings

from core.redis import ERRORS as REDIS_ERRORS
from core.redis import breaker
from core.redis import client as redis_client

from ..errors import AccountsError
from ..models import User

_SESSION_RE = re.compile(r"^[0-9a-f]{32}$")
T = TypeVar("T")

# --- concurrent streams ---------------------------------------------------------------------


@dataclass(frozen=True)
class SiteLimits:
    """A site's own limits (a tenant's capacity tier): stream requests per minute and
    concurrent streams across all its visitors. ``key`` names the site in Redis."""

    key: str
    rate_per_minute: int
    streams: int


# KEYS: the slot sets (the user's, then the site's). ARGV: now, ttl, slot, one limit per key.
# Every set must have room (or already hold the slot); then the slot is held in all of them.
# Returns 0 when held, else the 1-based index of the first full set.
_OPEN = """
local now, ttl, slot = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if not redis.call('ZSCORE', key, slot) then
    if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then return i end
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, slot)
  redis.call('EXPIRE', key, ttl + 1)
end
return 0
"""
# Refresh an existing slot only (in the user's set, then the site's). ARGV: now, ttl, slot.
_BEAT = """
local now, ttl, slot = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], slot) then return 0 end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, slot)
  redis.call('EXPIRE', key, ttl + 1)
end
return 1
"""


def _with_redis(op: Callable[[redis.Redis], T], fallback: Callable[[], T]) -> T:
    """``op`` on Redis; the in-process ``fallback`` without Redis, or while it is unreachable
    (``core.redis``: slots are then counted per process until it is back)."""
    if settings.REDIS_URL and breaker.closed():
        try:
            return op(redis_client(settings.REDIS_URL))
        except REDIS_ERRORS as exc:
            breaker.trip(exc)
    return fallback()


def _slots_key(user_id: int) -> str:
    return f"{settings.STREAM_SLOTS_KEY_PREFIX}:{user_id}"


def _keys(user_id: int, site: SiteLimits | None) -> list[str]:
    keys = [_slots_key(user_id)]
    if site is not None:
        keys.append(f"{settings.STREAM_SLOTS_KEY_PREFIX}:site:{site.key}")
    return keys


_local_lock = threading.Lock()
_local_slots: dict[str, dict[str, float]] = {}


def _local(key: str, now: float) -> dict[str, float]:
    slots = _local_slots.setdefault(key, {})
    for slot, expiry in list(slots.items()):
        if expiry <= now:
            del slots[slot]
    return slots


def stream_limit(*, user: User) -> int:
    if user.premium_active:
        return settings.STREAM_CONCURRENT_PREMIUM
    return settings.STREAM_CONCURRENT_FREE


def stream_session_open(
    *, user: User, session: str | None = None, site: SiteLimits | None = None
) -> str:
    """Hold a stream slot: the player's existing ``session`` is refreshed (switching episode or
    quality in the same player costs nothing), else a new slot is taken if one is free — in
    the user's set and, on a site with its own cap, in the site's."""
    slot = session if session and _SESSION_RE.match(session) else uuid.uuid4().hex
    ttl, now = settings.STREAM_SESSION_TTL, time.time()
    keys = _keys(user.pk, site)
    limits = [stream_limit(user=user)] + ([site.streams] if site is not None else [])

    def local() -> int:
        with _local_lock:
            sets = [_local(key, now) for key in keys]
            for i, (slots, limit) in enumerate(zip(sets, limits, strict=True), start=1):
                if slot not in slots and len(slots) >= limit:
                    return i
            for slots in sets:
                slots[slot] = now + ttl
            return 0

    full = int(
        _with_redis(
            lambda client: client.eval(_OPEN, len(keys), *keys, now, ttl, slot, *limits), local
        )
    )
    if full == 1:
        raise AccountsError(
            "too_many_streams",
            f"Your plan allows {limits[0]} stream(s) at a time; stop another player first.",
            status=429,
            retry_after=ttl,
        )
    if full:
        raise AccountsError(
            "site_at_capacity",
            f"This site serves at most {limits[1]} streams at a time; try again shortly.",
            status=429,
            retry_after=ttl,
        )
    return slot


def stream_heartbeat(*, user: User, session: str, site: SiteLimits | None = None) -> bool:
    """Keep a slot alive; False when it already expired (the player must ask again)."""
    if not _SESSION_RE.match(session or ""):
        return False
    ttl, now = settings.STREAM_SESSION_TTL, time.time()
    keys = _keys(user.pk, site)

    def local() -> bool:
        with _local_lock:
            if session not in _local(keys[0], now):
                return False
            for key in keys:
                _local(key, now)[session] = now + ttl
            return True

    return bool(
        _with_redis(lambda client: client.eval(_BEAT, len(keys), *keys, now, ttl, session), local)
    )


def stream_session_close(*, user: User, session: str, site: SiteLimits | None = None) -> None:
    keys = _keys(user.pk, site)

    def local() -> None:
        with _local_lock:
            for key in keys:
                _local_slots.get(key, {}).pop(session, None)

    def remote(client: redis.Redis) -> None:
        pipe = client.pipeline()
        for key in keys:
            pipe.zrem(key, session)
        pipe.execute()

    _with_redis(remote, local)


def stream_sessions_clear(*, user_id: int) -> None:
    """Free every slot of a user (logout everywhere, ban). A site's set forgets them within
    ``STREAM_SESSION_TTL``, as heartbeats stop."""
    key = _slots_key(user_id)

    def local() -> None:
        with _local_lock:
            _local_slots.pop(key, None)

    _with_redis(lambda client: client.delete(key), local)


def stream_sessions_active(*, user: User) -> int:
    now = time.time()
    key = _slots_key(user.pk)

    def local() -> int:
        with _local_lock:
            return len(_local(key, now))

    return int(_with_redis(lambda client: client.zcount(key, f"({now}", "+inf"), local))
