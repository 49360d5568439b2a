"""Concurrent stream slots per user (DESIGN §6): a Redis sorted set of slot → expiry, held by
the player's heartbeats; an in-process dict when there is no Redis (the embedded default)."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
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

# KEYS[1] the user's slot set. ARGV: now, ttl, limit, slot. Returns 1 when the slot is held
# (existing slot refreshed, or a free one taken), 0 when every slot is busy.
_OPEN = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local expiry = tonumber(ARGV[1]) + tonumber(ARGV[2])
if not redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
end
redis.call('ZADD', KEYS[1], expiry, ARGV[4])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) + 1)
return 1
"""
# Refresh an existing slot only. ARGV: now, ttl, slot.
_BEAT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) + 1)
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


_local_lock = threading.Lock()
_local_slots: dict[int, dict[str, float]] = {}


def _local(user_id: int, now: float) -> dict[str, float]:
    slots = _local_slots.setdefault(user_id, {})
    for slot, expiry in list(slots.items()):
        if expiry <= now:
            del slots[slot]
    return slots


def stream_limit(*, user: User) -> int:
    if user.premium_active:
        return settings.STREAM_CONCURRENT_PREMIUM
    return settings.STREAM_CONCURRENT_FREE


def stream_session_open(*, user: User, session: str | None = None) -> str:
    """Hold a stream slot: the player's existing ``session`` is refreshed (switching episode or
    quality in the same player costs nothing), else a new slot is taken if one is free."""
    slot = session if session and _SESSION_RE.match(session) else uuid.uuid4().hex
    ttl, limit, now = settings.STREAM_SESSION_TTL, stream_limit(user=user), time.time()

    def local() -> bool:
        with _local_lock:
            slots = _local(user.pk, now)
            held = slot in slots or len(slots) < limit
            if held:
                slots[slot] = now + ttl
            return held

    held = _with_redis(
        lambda client: client.eval(_OPEN, 1, _slots_key(user.pk), now, ttl, limit, slot), local
    )
    if not held:
        raise AccountsError(
            "too_many_streams",
            f"Your plan allows {limit} stream(s) at a time; stop another player first.",
            status=429,
            retry_after=ttl,
        )
    return slot


def stream_heartbeat(*, user: User, session: str) -> bool:
    """Keep a slot alive; False when it already expired (the player must ask again)."""
    if not _SESSION_RE.match(session or ""):
        return False
    ttl, now = settings.STREAM_SESSION_TTL, time.time()

    def local() -> bool:
        with _local_lock:
            slots = _local(user.pk, now)
            if session not in slots:
                return False
            slots[session] = now + ttl
            return True

    return bool(
        _with_redis(
            lambda client: client.eval(_BEAT, 1, _slots_key(user.pk), now, ttl, session), local
        )
    )


def stream_session_close(*, user: User, session: str) -> None:
    def local() -> None:
        with _local_lock:
            _local_slots.get(user.pk, {}).pop(session, None)

    _with_redis(lambda client: client.zrem(_slots_key(user.pk), session), local)


def stream_sessions_clear(*, user_id: int) -> None:
    """Free every slot of a user (logout everywhere, ban)."""

    def local() -> None:
        with _local_lock:
            _local_slots.pop(user_id, None)

    _with_redis(lambda client: client.delete(_slots_key(user_id)), local)


def stream_sessions_active(*, user: User) -> int:
    now = time.time()

    def local() -> int:
        with _local_lock:
            return len(_local(user.pk, now))

    return int(
        _with_redis(lambda client: client.zcount(_slots_key(user.pk), f"({now}", "+inf"), local)
    )
