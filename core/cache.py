"""The default cache: Redis, with an in-process fallback while Redis is unreachable.

Reads of the catalog, pages and subtitles must keep working with Redis stopped or frozen
(Redis sits in front of the database, not instead of it: docs/design.md). This backend sends every
operation to Django's ``RedisCache`` while the breaker (``core.redis``) is closed; on an error
it trips the breaker and serves the operation from a per-process ``LocMemCache`` whose entries
live at most ``REDIS_FALLBACK_TTL`` seconds (a document cached there cannot be invalidated by
another process, so it must not live long). Deletes that could not reach Redis are replayed
when it is back, so a stale entry never outlives an outage. Rate limits and throttles that
count in the cache become per-process counts meanwhile (see docs/decisions.md).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from core.redis import ERRORS, breaker, socket_options

log = logging.getLogger(__name__)
FAILED = object()  # what _on_redis answers when Redis was not (or could not be) asked


class _KeptClients(RedisCacheClient):
    """Django's Redis cache client makes a new ``redis.Redis`` for every operation (its
    constructor builds a table of response callbacks: a fifth of a cached title document's
    time in the web process); one per connection pool is enough — it is thread-safe, the pool
    holds the connections."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class _RedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _KeptClients


class FallbackRedisCache(BaseCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = {**socket_options(), **params.get("OPTIONS", {})}
        self.redis = _RedisCache(server, {**params, "OPTIONS": options})
        self.local = LocMemCache(f"fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT")})
        self._pending_deletes: set[str] = set()
        self._lock = threading.Lock()

    # --- routing ---------------------------------------------------------------------------

    def _on_redis(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """The operation on Redis, or ``FAILED`` (the breaker is open, or Redis failed now)."""
        if not breaker.closed():
            return FAILED
        try:
            self._replay_deletes()
            return getattr(self.redis, name)(*args, **kwargs)
        except ERRORS as exc:
            breaker.trip(exc)
            return FAILED

    def _run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        result = self._on_redis(name, *args, **kwargs)
        return getattr(self.local, name)(*args, **kwargs) if result is FAILED else result

    def _replay_deletes(self) -> None:
        if not self._pending_deletes:
            return
        with self._lock:
            keys, self._pending_deletes = list(self._pending_deletes), set()
        try:
            self.redis._cache.delete_many(keys)  # already made keys
        except ERRORS:
            with self._lock:
                self._pending_deletes.update(keys)
            raise

    def _local_timeout(self, timeout: Any) -> Any:
        cap = settings.REDIS_FALLBACK_TTL
        if timeout is DEFAULT_TIMEOUT or timeout is None or timeout > cap:
            return cap
        return timeout

    def _write(self, name: str, key: Any, *args: Any, timeout: Any = DEFAULT_TIMEOUT, **kw):
        result = self._on_redis(name, key, *args, timeout=timeout, **kw)
        if result is not FAILED:
            return result
        return getattr(self.local, name)(key, *args, timeout=self._local_timeout(timeout), **kw)

    # --- the cache API ---------------------------------------------------------------------

    def get(self, key, default=None, version=None):
        return self._run("get", key, default, version=version)

    def get_many(self, keys, version=None):
        return self._run("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._run("has_key", key, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._write("set", key, value, timeout=timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._write("add", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._write("touch", key, timeout=timeout, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._write("set_many", data, timeout=timeout, version=version)

    def incr(self, key, delta=1, version=None):
        return self._run("incr", key, delta, version=version)

    def decr(self, key, delta=1, version=None):
        return self._run("decr", key, delta, version=version)

    def delete(self, key, version=None):
        self.local.delete(key, version=version)
        result = self._on_redis("delete", key, version=version)
        if result is FAILED:
            self._remember_deletes([key], version)
            return False
        return result

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self.local.delete_many(keys, version=version)
        if self._on_redis("delete_many", keys, version=version) is FAILED:
            self._remember_deletes(keys, version)

    def _remember_deletes(self, keys: list, version: Any) -> None:
        with self._lock:
            self._pending_deletes.update(
                self.redis.make_and_validate_key(k, version=version) for k in keys
            )

    def clear(self):
        self.local.clear()
        return self._run("clear")

    def close(self, **kwargs):
        try:
            self.redis.close(**kwargs)
        except ERRORS as exc:  # closing a connection to a Redis that is gone
            log.debug("closing the Redis cache connection: %s", exc)
