"""The metadata hoarder's second source: an OMDb client (``?i=tt…`` by IMDb id, ``?t=…&y=…``
by title) whose answers fill what TMDB left blank and add the other sites' scores.

``OMDB_API_KEY`` turns it on (sent as ``apikey``); answers are cached like TMDB's
(``OMDB_CACHE_SECONDS``). OMDb answers ``{"Response": "False", "Error": "…"}`` for what it does
not know (HTTP 200) and for a bad key or a spent daily limit (HTTP 401); neither stops an
ingest. Unreachable, or a 5xx: ``TransientError`` (the step is retried).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache

from jobs.engine import TransientError

log = logging.getLogger(__name__)

# What OMDb says when it simply does not know the title or id (not an error of ours).
NOT_FOUND = ("not found", "incorrect imdb id")
IMDB_ID = re.compile(r"\b(tt\d{7,10})\b")


class OmdbError(Exception):
    """OMDb refused the request (bad key, spent limit, bad request): not worth retrying."""


def omdb_enabled() -> bool:
    return bool(settings.OMDB_API_KEY)


@dataclass
class OmdbRecord:
    imdb_id: str
    media_type: str  # movie | series
    title: str
    year: int | None
    overview: str = ""
    rating: float | None = None  # IMDb's, out of 10
    genres: list[str] = field(default_factory=list)
    poster_url: str = ""
    ratings: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _known(value: Any) -> str:
    """OMDb writes "N/A" for what it does not have."""
    text = str(value or "").strip()
    return "" if text == "N/A" else text


def _record(d: dict[str, Any]) -> OmdbRecord:
    year = re.match(r"\d{4}", _known(d.get("Year")))  # a series: "2019", a dash, "2021"
    try:
        rating = float(_known(d.get("imdbRating")) or "x")
    except ValueError:
        rating = None
    return OmdbRecord(
        imdb_id=d["imdbID"],
        media_type="series" if d.get("Type") == "series" else "movie",
        title=_known(d.get("Title")),
        year=int(year.group()) if year else None,
        overview=_known(d.get("Plot")),
        rating=rating,
        genres=[g.strip() for g in _known(d.get("Genre")).split(",") if g.strip()],
        poster_url=_known(d.get("Poster")),
        ratings=[
            {"source": r["Source"], "value": r["Value"]}
            for r in d.get("Ratings") or []
            if r.get("Source") and _known(r.get("Value"))
        ],
    )


class OmdbClient:
    def __init__(self, *, api_key: str, base_url: str, timeout: float = 10.0) -> None:
        self.api_key = api_key
        self.base_url = base_url
        self.timeout = timeout

    def get(self, **params: Any) -> dict[str, Any] | None:
        """The answer for ``params`` (``i`` or ``t``, ``y``, ``type``); None: OMDb does not
        know it."""
        params = {k: v for k, v in params.items() if v not in (None, "")}
        key_src = json.dumps([self.base_url, sorted(params.items())], default=str)
        key = "omdb:" + hashlib.sha1(key_src.encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            return cached or None
        try:
            response = httpx.get(
                self.base_url,
                params={**params, "plot": "full", "r": "json", "apikey": self.api_key},
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"OMDb unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise TransientError(f"OMDb answered {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise OmdbError(f"OMDb {response.status_code}: not JSON") from exc
        if response.status_code == 200 and data.get("Response") == "True":
            cache.set(key, data, settings.OMDB_CACHE_SECONDS)
            return data
        message = str(data.get("Error") or f"HTTP {response.status_code}")
        if response.status_code == 200 and any(s in message.lower() for s in NOT_FOUND):
            cache.set(key, {}, settings.OMDB_CACHE_SECONDS)
            return None
        raise OmdbError(f"OMDb {response.status_code}: {message}")


def omdb_client() -> OmdbClient:
    return OmdbClient(api_key=settings.OMDB_API_KEY, base_url=settings.OMDB_BASE_URL)


def omdb_lookup(
    *, imdb_id: str = "", name: str = "", year: int | None = None, media_type: str = ""
) -> OmdbRecord | None:
    """OMDb's record by IMDb id, else by title (and year, and kind); None: OMDb is off, does
    not know it, or refused (logged). TransientError: not reachable."""
    if not omdb_enabled() or not (imdb_id or name):
        return None
    kind = {"movie": "movie", "series": "series"}.get(media_type)
    params = {"i": imdb_id} if imdb_id else {"t": name, "y": year, "type": kind}
    try:
        data = omdb_client().get(**params)
    except OmdbError as exc:
        log.warning("OMDb lookup failed, going on without: %s", exc)
        return None
    if data is None or data.get("Type") not in ("movie", "series"):
        return None
    record = _record(data)
    if kind and record.media_type != kind:
        return None
    return record


def imdb_id_in(text: str) -> str:
    """The IMDb id in a text or link (``https://www.imdb.com/title/tt0133093/``), or ""."""
    found = IMDB_ID.search(text)
    return found.group(1) if found else ""
