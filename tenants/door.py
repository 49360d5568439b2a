"""The lean door for the title document (``GET /api/titles/<short_id>/``) in the ``web``
process, for a deployment without the edge's files in front of it: answered before Django's
middleware stack and DRF, with what they would do for this request and nothing more — the host
checked and the site's policy and visitor count applied as ``TenantMiddleware`` does
(``site_admit``), the document from the cache or one indexed query, the API view's ETag and
caching headers and the security headers ``SecurityMiddleware`` and
``XFrameOptionsMiddleware`` add. Anything else — a query string, another method, an unknown
host, a suspended site, a title not shown (404) — is handed to Django, which answers it as
before, and so is a request the door fails on (the database or Redis away: Django's 503);
so is every other path. ``streamvault/wsgi.py`` wraps the app with it."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest

from catalog.policy import policy_of
from catalog.selectors import document_answer, title_document_bytes

from .middleware import site_admit

log = logging.getLogger(__name__)
DOCUMENT_PATH = re.compile(r"^/api/titles/([0-9A-Za-z]{7})/$")


def _security_headers() -> list[tuple[str, str]]:
    """The headers Django's security and clickjacking middleware add to such an answer."""
    headers = []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    if settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        headers.append(("Strict-Transport-Security", hsts))
    headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS))
    return headers


def _answer(environ: dict[str, Any], short_id: str) -> tuple[int, list, bytes] | None:
    request = WSGIRequest(environ)
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # Django redirects it
    try:
        if site_admit(request) is not None:
            return None  # a suspended site: Django gives its answer
    except DisallowedHost:
        return None  # Django answers its 400
    body = title_document_bytes(short_id, policy=policy_of(request))
    if body is None:
        return None  # Django's 404, in the API's error shape
    status, extra = document_answer(body, request.headers.get("If-None-Match", ""))
    headers = [("Allow", "GET, HEAD, OPTIONS"), *extra.items(), *_security_headers()]  # as DRF's
    if status == 304:
        return status, [*headers, ("Content-Length", "0")], b""
    headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return status, headers, body


def with_document_route(app: Callable) -> Callable:
    """Wrap the Django WSGI app: a plain ``GET`` of a title document goes through the door."""

    def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        found = DOCUMENT_PATH.match(environ.get("PATH_INFO", ""))
        if (
            found is None
            or environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or settings.DEBUG  # the debug toolbar and error pages: Django's own path
        ):
            return app(environ, start_response)
        # What Django's handler does around a request: stale database connections closed,
        # the request's cache connections released after it.
        signals.request_started.send(sender=__name__, environ=environ)
        try:
            answer = _answer(environ, found.group(1))
        except Exception:  # Django answers an outage (503, Retry-After) itself
            log.warning("the document door handed a request to Django", exc_info=True)
            answer = None
        finally:
            signals.request_finished.send(sender=__name__)
        if answer is None:
            return app(environ, start_response)
        status, headers, body = answer
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    return application
