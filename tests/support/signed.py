"""Signed URLs for tests, as the gatekeeper issues them."""

from __future__ import annotations

import time

from core.signing import signature


def signed(path: str, *, ttl: int = 600) -> str:
    """``path`` with ``md5`` and ``expires`` for ``ttl`` seconds (a query string is kept)."""
    uri, _, query = path.partition("?")
    expires = int(time.time()) + ttl
    extra = f"&{query}" if query else ""
    return f"{uri}?md5={signature(uri=uri, expires=expires)}&expires={expires}{extra}"
