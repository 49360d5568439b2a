"""Swarm rotation (docs/design.md): hand an operation to the least-loaded healthy account.

State lives in Redis so every process on every machine sees the same loads:

- ``{p}leases:{id}`` — a sorted set per account: member = lease id, score = expiry (ms, Redis
  server clock). An account's load is the number of unexpired members, so the load of a
  process that crashed disappears when its leases expire; the holder renews its lease while
  it works and releases it in ``finally``.
- ``{p}load`` — a sorted set account → current load, kept by the scripts for the admin.
- ``{p}parked:{id}`` — present while the account sits out a FloodWait (TTL = the wait).
- ``{p}dead`` — a set of dead accounts.

Picking and recording a lease is one Lua script, so two processes can never both take the
last free slot of an account. Without Redis (the embedded default) a process-local store with
the same semantics is used.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

PREFIX = "swarm:"

_ACQUIRE = """
local p = ARGV[1]
local ttl = tonumber(ARGV[2])
local lease_id = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local best, best_load = nil, nil
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  local limit = tonumber(ARGV[i + 1])
  if redis.call('EXISTS', p .. 'parked:' .. id) == 0
      and redis.call('SISMEMBER', p .. 'dead', id) == 0 then
    local key = p .. 'leases:' .. id
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    local load = redis.call('ZCARD', key)
    redis.call('ZADD', p .. 'load', load, id)
    if load < limit and (best == nil or load < best_load) then
      best, best_load = id, load
    end
  end
end
if best == nil then return {false, now} end
local key = p .. 'leases:' .. best
redis.call('ZADD', key, now + ttl, lease_id)
redis.call('PEXPIRE', key, ttl * 2)
redis.call('ZADD', p .. 'load', best_load + 1, best)
return {best, now, best_load + 1}
"""

_RENEW = """
local p = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = p .. 'leases:' .. ARGV[2]
local expiry = redis.call('ZSCORE', key, ARGV[3])
if not expiry or tonumber(expiry) <= now then return 0 end
redis.call('ZADD', key, now + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', key, tonumber(ARGV[4]) * 2)
return 1
"""

_RELEASE = """
local p = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key = p .. 'leases:' .. ARGV[2]
redis.call('ZREM', key, ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
local load = redis.call('ZCARD', key)
redis.call('ZADD', p .. 'load', load, ARGV[2])
return load
"""

_LOADS = """
local p = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 2, #ARGV do
  local key = p .. 'leases:' .. ARGV[i]
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local load = redis.call('ZCARD', key)
  redis.call('ZADD', p .. 'load', load, ARGV[i])
  out[#out + 1] = load
end
return out
"""


@dataclass(frozen=True)
class Acquired:
    account: str
    lease_id: str
    now_ms: int
    load: int


class RedisLeaseStore:
    """The lease bookkeeping on one Redis. Accounts are opaque strings (Worker ids)."""

    def __init__(self, client, prefix: str = PREFIX) -> None:
        self.r = client
        self.prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._loads = client.register_script(_LOADS)

    def acquire(
        self, candidates: Sequence[tuple[str, int]], ttl: float
    ) -> tuple[Acquired | None, int]:
        """Lease the least-loaded candidate (account, limit) below its limit that is neither
        parked nor dead. Returns (lease or None, the Redis clock in ms)."""
        lease_id = uuid.uuid4().hex
        argv: list[str | int] = [self.prefix, int(ttl * 1000), lease_id]
        for account, limit in candidates:
            argv += [account, int(limit)]
        result = self._acquire(args=argv)
        if not result[0]:
            return None, int(result[1])
        account = result[0].decode() if isinstance(result[0], bytes) else str(result[0])
        return Acquired(account, lease_id, int(result[1]), int(result[2])), int(result[1])

    def renew(self, account: str, lease_id: str, ttl: float) -> bool:
        return bool(self._renew(args=[self.prefix, account, lease_id, int(ttl * 1000)]))

    def release(self, account: str, lease_id: str) -> int:
        return int(self._release(args=[self.prefix, account, lease_id]))

    def loads(self, accounts: Sequence[str]) -> dict[str, int]:
        if not accounts:
            return {}
        values = self._loads(args=[self.prefix, *accounts])
        return {a: int(v) for a, v in zip(accounts, values, strict=True)}

    def park(self, account: str, seconds: float) -> None:
        self.r.set(f"{self.prefix}parked:{account}", 1, px=max(1, int(seconds * 1000)))

    def unpark(self, account: str) -> None:
        self.r.delete(f"{self.prefix}parked:{account}")

    def parked_ms(self, account: str) -> int:
        """Milliseconds of flood wait left (0 when not parked)."""
        return max(0, int(self.r.pttl(f"{self.prefix}parked:{account}")))

    def mark_dead(self, account: str) -> None:
        self.r.sadd(f"{self.prefix}dead", account)

    def revive(self, account: str) -> None:
        self.r.srem(f"{self.prefix}dead", account)

    def is_dead(self, account: str) -> bool:
        return bool(self.r.sismember(f"{self.prefix}dead", account))


class LocalLeaseStore:
    """The same semantics in one process, for the embedded default without Redis."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leases: dict[str, dict[str, float]] = {}
        self._parked: dict[str, float] = {}
        self._dead: set[str] = set()

    @staticmethod
    def _now() -> float:
        return time.time()

    def _load(self, account: str, now: float) -> int:
        leases = self._leases.setdefault(account, {})
        for lid in [lid for lid, exp in leases.items() if exp <= now]:
            del leases[lid]
        return len(leases)

    def acquire(self, candidates, ttl):
        with self._lock:
            now = self._now()
            best, best_load = None, None
            for account, limit in candidates:
                if self._parked.get(account, 0) > now or account in self._dead:
                    continue
                load = self._load(account, now)
                if load < limit and (best is None or load < best_load):
                    best, best_load = account, load
            now_ms = int(now * 1000)
            if best is None:
                return None, now_ms
            lease_id = uuid.uuid4().hex
            self._leases[best][lease_id] = now + ttl
            return Acquired(best, lease_id, now_ms, best_load + 1), now_ms

    def renew(self, account, lease_id, ttl):
        with self._lock:
            leases = self._leases.get(account, {})
            if leases.get(lease_id, 0) <= self._now():
                return False
            leases[lease_id] = self._now() + ttl
            return True

    def release(self, account, lease_id):
        with self._lock:
            self._leases.get(account, {}).pop(lease_id, None)
            return self._load(account, self._now())

    def loads(self, accounts):
        with self._lock:
            now = self._now()
            return {a: self._load(a, now) for a in accounts}

    def park(self, account, seconds):
        with self._lock:
            self._parked[account] = self._now() + seconds

    def unpark(self, account):
        with self._lock:
            self._parked.pop(account, None)

    def parked_ms(self, account):
        with self._lock:
            return max(0, int((self._parked.get(account, 0) - self._now()) * 1000))

    def mark_dead(self, account):
        with self._lock:
            self._dead.add(account)

    def revive(self, account):
        with self._lock:
            self._dead.discard(account)

    def is_dead(self, account):
        with self._lock:
            return account in self._dead


@lru_cache(maxsize=4)
def _redis_store(url: str) -> RedisLeaseStore:
    import redis

    return RedisLeaseStore(redis.Redis.from_url(url))


_local_store = LocalLeaseStore()


def lease_store() -> RedisLeaseStore | LocalLeaseStore:
    if settings.REDIS_URL:
        return _redis_store(settings.REDIS_URL)
    return _local_store


@dataclass
class Renewer:
    """Renews a lease every ttl/3 in a daemon thread until stopped."""

    store: RedisLeaseStore | LocalLeaseStore
    acquired: Acquired
    ttl: float
    lost: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True, name="lease-renewer").start()

    def _run(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                if not self.store.renew(self.acquired.account, self.acquired.lease_id, self.ttl):
                    self.lost.set()
                    return
            except Exception:  # Redis blip: the next tick retries before the lease expires
                continue

    def stop(self) -> None:
        self._stop.set()


@contextlib.contextmanager
def lease_hold(
    store: RedisLeaseStore | LocalLeaseStore,
    candidates: Sequence[tuple[str, int]],
    *,
    ttl: float,
) -> Iterator[Acquired | None]:
    """Acquire, renew in the background, release in ``finally``. Yields None when no
    candidate is free."""
    shuffled = list(candidates)
    random.shuffle(shuffled)  # ties go to a random account, not always the first
    acquired, _ = store.acquire(shuffled, ttl)
    if acquired is None:
        yield None
        return
    renewer = Renewer(store, acquired, ttl)
    renewer.start()
    try:
        yield acquired
    finally:
        renewer.stop()
        store.release(acquired.account, acquired.lease_id)
