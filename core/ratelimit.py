"""One fixed-window rate counter, atomic: the window's count is a cache key incremented in one
step (Redis ``INCR`` in production), so fifty concurrent requests see fifty different counts and
exactly the limit get through. DRF's own throttles read a list and write it back, and requests
racing between the read and the write all pass.

``window_hit`` counts one attempt and says how long to wait when over the limit;
``AtomicThrottle`` is a DRF throttle on it (rates as DRF spells them: ``"20/hour"``)."""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle


def window_hit(*, key: str, limit: int, window: int, now: float | None = None) -> int | None:
    """Count one attempt against ``limit`` per ``window`` seconds. None when allowed, else
    the seconds until the window ends."""
    now = time.time() if now is None else now
    slot = f"{key}:{int(now // window)}"
    if cache.add(slot, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(slot)
        except ValueError:  # expired between add and incr: a new window
            cache.add(slot, 1, timeout=window + 1)
            count = 1
    if count <= limit:
        return None
    return max(1, math.ceil(window - now % window))


class AtomicThrottle(SimpleRateThrottle):
    """A DRF throttle counting with ``window_hit``; subclasses give ``scope``, ``get_rate`` and
    ``get_cache_key`` as for any ``SimpleRateThrottle``."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self._wait = window_hit(key=key, limit=self.num_requests, window=self.duration)
        return self._wait is None

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
