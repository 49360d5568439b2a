"""Traffic meters: the doors that serve visitors say what they served and to which host —
bytes (``/s/``, subtitles, pages) and ad-link clicks (``/go/``) —; whoever keeps per-site
stats (the tenants) registers a meter. ``core`` does not know those apps. Meters must be cheap
and must not raise (they run in the event loop, after the response was sent)."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

BYTES = "bytes"
AD_CLICKS = "ad_clicks"

# (host as the client sent it, kind, amount)
Meter = Callable[[str, str, int], None]
METERS: list[Meter] = []


def traffic_meter(fn: Meter) -> Meter:
    if fn not in METERS:
        METERS.append(fn)
    return fn


def traffic_count(*, host: str, kind: str, amount: int) -> None:
    """Count ``amount`` of ``kind`` served to a client of ``host``."""
    if amount <= 0:
        return
    for meter in METERS:
        try:
            meter(host, kind, amount)
        except Exception:  # a meter must never break a response that was already sent
            log.exception("traffic meter %r failed", meter)


def bytes_sent(*, host: str, amount: int) -> None:
    traffic_count(host=host, kind=BYTES, amount=amount)
