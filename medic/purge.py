"""Purging nginx's cache entry of a file (takedown). ``MEDIC_NGINX_PURGE`` picks how:

- ``file``: delete the cache file itself. nginx names it md5(cache key) under
  ``proxy_cache_path … levels=`` directories taken from the end of the hex digest
  (``levels=1:2``: ``<dir>/<last char>/<2 chars before it>/<md5>``). nginx notices the file is
  gone on the next request (a MISS), so no reload is needed. The web process must be able to
  write the cache directory (same user or group as nginx's cache manager).
- ``http``: a ``PURGE`` request to ``MEDIC_NGINX_PURGE_URL`` (``{file_hash}`` is filled in) —
  for an nginx with the cache-purge module (Debian: libnginx-mod-http-cache-purge).
- ``none``: no nginx in front (the embedded default).

``MEDIC_NGINX_CACHE_KEY`` must spell the same key as nginx's ``proxy_cache_key``, with
``{file_hash}`` where nginx has the file hash (e.g. ``proxy_cache_key $file_hash;`` →
``{file_hash}``).
"""

from __future__ import annotations

import httpx
from django.conf import settings

from core.edge import cache_file_path


class PurgeError(Exception):
    """The nginx cache entry could not be purged."""


def nginx_purge(*, file_hash: str) -> str:
    """Purge one file's cache entry; returns what happened ("deleted", "absent", "purged",
    "not cached", "disabled")."""
    mode = settings.MEDIC_NGINX_PURGE
    if mode == "none":
        return "disabled"
    if mode == "file":
        if not settings.MEDIC_NGINX_CACHE_DIR:
            raise PurgeError("MEDIC_NGINX_CACHE_DIR is not set")
        path = cache_file_path(
            cache_dir=settings.MEDIC_NGINX_CACHE_DIR,
            levels=settings.MEDIC_NGINX_CACHE_LEVELS,
            key=settings.MEDIC_NGINX_CACHE_KEY.format(file_hash=file_hash),
        )
        try:
            path.unlink()
        except FileNotFoundError:
            return "absent"
        except OSError as exc:
            raise PurgeError(f"cannot delete {path.name}: {exc.strerror}") from exc
        return "deleted"
    if mode == "http":
        url = settings.MEDIC_NGINX_PURGE_URL.format(file_hash=file_hash)
        try:
            response = httpx.request("PURGE", url, timeout=settings.MEDIC_CHECK_TIMEOUT)
        except httpx.HTTPError as exc:
            raise PurgeError(f"PURGE failed: {type(exc).__name__}") from exc
        if response.status_code == 200:
            return "purged"
        if response.status_code == 404:
            return "not cached"
        raise PurgeError(f"PURGE answered HTTP {response.status_code}")
    raise PurgeError(f"unknown MEDIC_NGINX_PURGE mode {mode!r}")
