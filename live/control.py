"""nginx-rtmp's control interface (``rtmp_control`` on a loopback HTTP location,
``LIVE_RTMP_CONTROL_URL``): dropping a publisher ends a broadcast at once (an admin's "end
stream", a takedown). Empty setting: nothing to call (a deployment without RTMP); the
stream is still marked ended."""

from __future__ import annotations

import logging

import httpx
from django.conf import settings

log = logging.getLogger(__name__)

APP = "live"


def publisher_drop(*, name: str) -> bool:
    """Drop the publisher of stream ``name`` (its public id) in the ``live`` application.
    True when nginx dropped one."""
    base = settings.LIVE_RTMP_CONTROL_URL.rstrip("/")
    if not base:
        return False
    try:
        answer = httpx.get(f"{base}/drop/publisher", params={"app": APP, "name": name}, timeout=5.0)
    except httpx.HTTPError as exc:
        log.warning("nginx-rtmp control unreachable: %s", exc)
        return False
    # nginx-rtmp answers 200 with the number of dropped clients, 204 when none matched.
    return answer.status_code == 200 and answer.text.strip() not in ("", "0")
