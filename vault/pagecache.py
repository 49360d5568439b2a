"""A size-capped cache of hot manga pages.

With Redis (``REDIS_URL``): page bytes under their own keys, a sorted set of keys by last use
and a running byte total; a Lua script stores a page and evicts the least recently used ones
until the total is under ``VAULT_PAGE_CACHE_MAX_BYTES`` — atomically, so several web
processes share one bounded cache. Without Redis: the same policy in process memory.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict

from django.conf import settings

from core.redis import ERRORS as REDIS_ERRORS
from core.redis import breaker
from core.redis import client as redis_client

_STORE = """
local size = string.len(ARGV[1])
local old = redis.call('HGET', KEYS[3], KEYS[1])
if old then redis.call('DECRBY', KEYS[4], old) end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], KEYS[1])
redis.call('HSET', KEYS[3], KEYS[1], size)
local total = redis.call('INCRBY', KEYS[4], size)
while total > tonumber(ARGV[3]) do
  local victim = redis.call('ZPOPMIN', KEYS[2])
  if #victim == 0 then break end
  local key = victim[1]
  local s = redis.call('HGET', KEYS[3], key)
  redis.call('HDEL', KEYS[3], key)
  redis.call('DEL', key)
  if s then total = redis.call('DECRBY', KEYS[4], s) end
end
return total
"""


class _MemoryPages:
    def __init__(self) -> None:
        self.items: OrderedDict[str, bytes] = OrderedDict()
        self.total = 0
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            data = self.items.get(key)
            if data is not None:
                self.items.move_to_end(key)
            return data

    def set(self, key: str, data: bytes, cap: int) -> int:
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.total -= len(old)
            self.items[key] = data
            self.total += len(data)
            while self.total > cap and self.items:
                _, victim = self.items.popitem(last=False)
                self.total -= len(victim)
            return self.total

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.total = 0


class PageCache:
    def __init__(self) -> None:
        self._memory = _MemoryPages()
        self._client = None
        self._script = None
        self._url = None

    def _redis(self):
        """The Redis client, or None: no Redis configured, or the breaker is open (Redis
        failed moments ago; ``core.redis``) — then the in-process store serves."""
        url = settings.REDIS_URL
        if not url or not breaker.closed():
            return None
        if self._client is None or self._url != url:
            self._client = redis_client(url)
            self._script = self._client.register_script(_STORE)
            self._url = url
        return self._client

    @property
    def prefix(self) -> str:
        return f"{getattr(settings, 'CACHE_KEY_PREFIX', 'sv')}:pages"

    def _keys(self, key: str) -> list[str]:
        p = self.prefix
        return [f"{p}:k:{key}", f"{p}:lru", f"{p}:sizes", f"{p}:total"]

    def get_sync(self, key: str) -> bytes | None:
        client = self._redis()
        if client is not None:
            data_key, lru, _, _ = self._keys(key)
            pipe = client.pipeline(transaction=False)
            pipe.get(data_key)
            pipe.zadd(lru, {data_key: time.time()}, xx=True)
            try:
                data, _ = pipe.execute()
                return data
            except REDIS_ERRORS as exc:
                breaker.trip(exc)
        return self._memory.get(key)

    def set_sync(self, key: str, data: bytes) -> bool:
        """Store a page; False when it is too big to cache (it would evict too much)."""
        if len(data) > settings.VAULT_PAGE_CACHE_MAX_PAGE_BYTES:
            return False
        cap = settings.VAULT_PAGE_CACHE_MAX_BYTES
        client = self._redis()
        if client is not None:
            try:
                self._script(keys=self._keys(key), args=[data, time.time(), cap])
                return True
            except REDIS_ERRORS as exc:
                breaker.trip(exc)
        self._memory.set(key, data, cap)
        return True

    def total_bytes(self) -> int:
        client = self._redis()
        if client is None:
            return self._memory.total
        return int(client.get(self._keys("")[3]) or 0)

    def clear(self) -> None:
        self._memory.clear()
        client = self._redis()
        if client is not None:
            keys = list(client.scan_iter(f"{self.prefix}:*", count=1000))
            if keys:
                client.delete(*keys)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self.get_sync, key)

    async def set(self, key: str, data: bytes) -> bool:
        return await asyncio.to_thread(self.set_sync, key, data)


pages = PageCache()
