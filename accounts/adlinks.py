"""The ad-link generator ("Growth & Revenue"): heavy downloads of free users go
through a URL-shortener link that shows an ad first.

- A provider is a class with ``shorten(long_url) -> short_url`` (raising ``ShortenerError``),
  chosen by ``AD_LINK_PROVIDER`` (``gplinks``, or empty: no ad links). ``GPLinks`` speaks the
  GPLinks-style API: ``GET {AD_LINK_API_URL}?api={AD_LINK_API_KEY}&url={long}`` →
  ``{"status": "success", "shortenedUrl": "…"}``, or ``{"status": "error", "message": …}``.
- A link is made once per file (or pack) and UTC day (``AdLink``): the long URL it hides is
  signed until the end of that day plus ``AD_LINK_GRACE_SECONDS``, so everyone who gets it
  that day can use it. A takedown still answers 404 at once (``/s/`` checks the title).
"""

from __future__ import annotations

import datetime
import logging
from typing import Protocol

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import signing
from core.traffic import AD_CLICKS, traffic_count

from .models import AdLink

log = logging.getLogger(__name__)


class ShortenerError(Exception):
    """The shortener did not give a link (down, refused, answered nonsense)."""


class Shortener(Protocol):
    name: str

    def shorten(self, long_url: str) -> str: ...


class GPLinks:
    name = "gplinks"

    def __init__(self, *, api_url: str, api_key: str, timeout: float = 5.0) -> None:
        self.api_url, self.api_key, self.timeout = api_url, api_key, timeout

    def shorten(self, long_url: str) -> str:
        try:
            return self._shorten(long_url)
        except ShortenerError as exc:  # the key never reaches a log or a page
            raise ShortenerError(str(exc).replace(self.api_key, "***")) from None

    def _shorten(self, long_url: str) -> str:
        try:
            response = httpx.get(
                self.api_url, params={"api": self.api_key, "url": long_url}, timeout=self.timeout
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ShortenerError(f"{self.name} unreachable or not JSON: {exc!r}"[:300]) from exc
        if not isinstance(body, dict):
            raise ShortenerError(f"{self.name} answered {response.status_code} without an object")
        short = body.get("shortenedUrl")
        if body.get("status") != "success" or not isinstance(short, str) or not short:
            message = body.get("message") or f"HTTP {response.status_code}"
            raise ShortenerError(f"{self.name}: {message}"[:300])
        return short


PROVIDERS = {"gplinks": GPLinks}


def shortener() -> Shortener | None:
    provider = PROVIDERS.get(settings.AD_LINK_PROVIDER)
    if provider is None or not settings.AD_LINK_API_KEY:
        return None
    return provider(api_url=settings.AD_LINK_API_URL, api_key=settings.AD_LINK_API_KEY)


def _day_end(day: datetime.date) -> int:
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return int(end.replace(tzinfo=datetime.UTC).timestamp()) + settings.AD_LINK_GRACE_SECONDS


def ad_link(*, file_hash: str, origin: str) -> str:
    """Today's ad link for ``/s/<file_hash>`` as a visitor of ``origin`` (scheme and host)
    gets it: our own redirect ``{origin}/go/<id>``, which counts the click for that site and
    sends the browser on to the shortener. ShortenerError: no link (no provider configured,
    or it failed) — the caller gives the plain signed link."""
    return f"{origin.rstrip('/')}/go/{ad_link_row(file_hash=file_hash).pk}"


def ad_link_row(*, file_hash: str) -> AdLink:
    """Today's ``AdLink`` of the file, made (shortened) on first use."""
    provider = shortener()
    if provider is None:
        raise ShortenerError("no URL shortener is configured")
    day = timezone.now().astimezone(datetime.UTC).date()
    found = AdLink.objects.filter(file_hash=file_hash, day=day).first()
    if found:
        return found
    uri = f"/s/{file_hash}"
    expires = _day_end(day)
    query = f"md5={signing.signature(uri=uri, expires=expires)}&expires={expires}"
    long_url = f"{settings.STREAM_BASE_URL.rstrip('/')}{uri}?{query}"
    short = provider.shorten(long_url)
    try:
        with transaction.atomic():
            return AdLink.objects.create(
                file_hash=file_hash, day=day, short_url=short[:500], provider=provider.name
            )
    except IntegrityError:  # made at the same moment by another request: use that one
        return AdLink.objects.get(file_hash=file_hash, day=day)


def ad_click(*, link_id: int, host: str) -> str | None:
    """A visitor of ``host`` follows ad link ``link_id``: count the click for that site and
    answer where to send the browser (the shortener's link), or None for an unknown link."""
    short = AdLink.objects.filter(pk=link_id).values_list("short_url", flat=True).first()
    if short is None:
        return None
    traffic_count(host=host, kind=AD_CLICKS, amount=1)
    return short
