"""The metadata hoarder: a TMDB v3 client (search movie/tv, details, images configuration).

Responses are cached in Redis (the Django cache) for ``TMDB_CACHE_SECONDS``; what we keep is
stored on the Title (catalog) and the images are re-hosted in the vault, so the frontend never
calls TMDB. ``TMDB_API_KEY`` is a v3 key (sent as ``api_key``) or a v4 read token (``eyJ…``,
sent as a Bearer header). Without a key ``tmdb_enabled()`` is False and ingestion goes on from
the parsed release name.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache

from catalog.selectors import TMDB_LINK
from catalog.text import clean_title
from ingest.work import image_download
from jobs.engine import JobContext, TransientError

log = logging.getLogger(__name__)


class TmdbError(Exception):
    """TMDB refused the request (bad key, bad request): not worth retrying."""


def tmdb_enabled() -> bool:
    return bool(settings.TMDB_API_KEY)


@dataclass
class TmdbMatch:
    tmdb_id: int
    media_type: str  # movie | series
    title: str
    year: int | None
    overview: str = ""
    rating: float | None = None
    genres: list[str] = field(default_factory=list)
    poster_path: str = ""
    backdrop_path: str = ""
    series_status: str = ""
    imdb_id: str = ""  # a movie's details carry it; a series' come from tmdb_imdb_id

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class TmdbClient:
    def __init__(self, *, api_key: str, base_url: str, timeout: float = 10.0) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _auth(self, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        if self.api_key.startswith("eyJ"):
            return params, {"Authorization": f"Bearer {self.api_key}"}
        return {**params, "api_key": self.api_key}, {}

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        params = {k: v for k, v in params.items() if v not in (None, "")}
        key_src = json.dumps([self.base_url, path, sorted(params.items())], default=str)
        key = "tmdb:" + hashlib.sha1(key_src.encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            return cached
        query, headers = self._auth(params)
        try:
            response = httpx.get(
                f"{self.base_url}{path}",
                params=query,
                headers={"Accept": "application/json", **headers},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"TMDB unreachable: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(f"TMDB answered {response.status_code}")
        if response.status_code != 200:
            try:
                message = response.json().get("status_message", "")
            except ValueError:
                message = ""
            raise TmdbError(f"TMDB {response.status_code} on {path}: {message}")
        data = response.json()
        cache.set(key, data, settings.TMDB_CACHE_SECONDS)
        return data

    def configuration(self) -> dict[str, Any]:
        return self.get("/configuration")

    def search_movie(self, query: str, year: int | None = None) -> list[dict[str, Any]]:
        return self.get("/search/movie", query=query, year=year).get("results", [])

    def search_tv(self, query: str, year: int | None = None) -> list[dict[str, Any]]:
        return self.get("/search/tv", query=query, first_air_date_year=year).get("results", [])

    def movie_details(self, tmdb_id: int) -> dict[str, Any]:
        return self.get(f"/movie/{tmdb_id}")

    def tv_details(self, tmdb_id: int) -> dict[str, Any]:
        return self.get(f"/tv/{tmdb_id}")

    def image_url(self, file_path: str, size: str) -> str:
        images = self.configuration().get("images", {})
        base = images.get("secure_base_url") or images.get("base_url") or ""
        sizes = images.get("poster_sizes", []) + images.get("backdrop_sizes", [])
        if sizes and size not in sizes:
            size = "original"
        return f"{base.rstrip('/')}/{size}{file_path}"


def tmdb_client() -> TmdbClient:
    return TmdbClient(api_key=settings.TMDB_API_KEY, base_url=settings.TMDB_BASE_URL)


def _year(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


def _pick(results: list[dict[str, Any]], name: str, year: int | None, name_key: str, date_key):
    """Best result: same clean title and year, else same title, else TMDB's first (most
    popular) if it resembles the name at all."""
    want = clean_title(name)

    def score(r: dict[str, Any]) -> tuple[int, float]:
        names = {
            clean_title(r.get(name_key) or ""),
            clean_title(r.get(f"original_{name_key}") or ""),
        }
        exact = want in names
        ratio = max(difflib.SequenceMatcher(None, want, n).ratio() for n in names)
        same_year = year is not None and _year(r.get(date_key)) == year
        return (2 * exact + same_year, ratio)

    if not results:
        return None
    best = max(results[:10], key=score)
    exact_or_year, ratio = score(best)
    if exact_or_year == 0 and ratio < 0.6:
        return None
    return best


def tmdb_match(*, name: str, year: int | None, media_type: str) -> TmdbMatch | None:
    """Search and fetch the details of the best match (None: nothing plausible)."""
    client = tmdb_client()
    series = media_type == "series"
    # TMDB spells the same fields differently for TV and movies.
    search, details = (
        (client.search_tv, client.tv_details)
        if series
        else (client.search_movie, client.movie_details)
    )
    name_key, date_key = ("name", "first_air_date") if series else ("title", "release_date")
    try:
        results = search(name, year) or (search(name) if year else [])
        best = _pick(results, name, year, name_key, date_key)
        if best is None:
            return None
        d = details(best["id"])
    except TmdbError as exc:
        # A bad key or request must not stop the ingest: go on from the parsed name.
        log.warning("TMDB match failed, going on without: %s", exc)
        return None
    return _match(d, series, fallback=best.get(name_key) or name)


def _match(d: dict[str, Any], series: bool, *, fallback: str) -> TmdbMatch:
    """A TMDB details answer (movie or TV, which spell the same fields differently)."""
    name_key, date_key = ("name", "first_air_date") if series else ("title", "release_date")
    return TmdbMatch(
        tmdb_id=d["id"],
        media_type="series" if series else "movie",
        title=d.get(name_key) or fallback,
        year=_year(d.get(date_key)),
        overview=d.get("overview") or "",
        rating=d.get("vote_average"),
        genres=[g["name"] for g in d.get("genres", [])],
        poster_path=d.get("poster_path") or "",
        backdrop_path=d.get("backdrop_path") or "",
        series_status=(
            ("ended" if d.get("status") in ("Ended", "Canceled") else "ongoing") if series else ""
        ),
        imdb_id=d.get("imdb_id") or "",
    )


def tmdb_details(*, media_type: str, tmdb_id: int) -> TmdbMatch | None:
    """Everything TMDB has on one movie or series (cached); None: TMDB is off or does not
    know the id. TransientError: TMDB is not reachable."""
    if not tmdb_enabled():
        return None
    client = tmdb_client()
    series = media_type == "series"
    try:
        d = client.tv_details(tmdb_id) if series else client.movie_details(tmdb_id)
    except TmdbError:
        return None
    return _match(d, series, fallback="?")


def tmdb_imdb_id(*, media_type: str, tmdb_id: int) -> str:
    """The IMDb id TMDB knows for a movie or series ("" when none); a series' is not in its
    details but in its external ids."""
    if not tmdb_enabled():
        return ""
    client = tmdb_client()
    path = f"/tv/{tmdb_id}/external_ids" if media_type == "series" else f"/movie/{tmdb_id}"
    try:
        return client.get(path).get("imdb_id") or ""
    except TmdbError:
        return ""


@dataclass(frozen=True)
class TmdbCandidate:
    """A movie or series TMDB knows, offered for a request."""

    tmdb_id: int
    media_type: str  # "movie" | "series"
    title: str
    year: int | None

    @property
    def label(self) -> str:
        kind = "series" if self.media_type == "series" else "movie"
        return f"{self.title} ({self.year or '?'}, {kind})"


_QUERY_YEAR = re.compile(r"^(.*?)[\s(\[]*\b((?:19|20)\d{2})\b[)\]]*\s*$")


def _candidate(result: dict[str, Any], series: bool) -> TmdbCandidate:
    name_key, date_key = ("name", "first_air_date") if series else ("title", "release_date")
    return TmdbCandidate(
        tmdb_id=int(result["id"]),
        media_type="series" if series else "movie",
        title=result.get(name_key) or result.get(f"original_{name_key}") or "?",
        year=_year(result.get(date_key)),
    )


def tmdb_candidates(*, query: str, limit: int = 5) -> list[TmdbCandidate]:
    """Movies and series TMDB finds for a free-text request ("Dune 2021" narrows to the
    year), most popular first; empty when TMDB is not configured. Answers are cached
    (``TMDB_CACHE_SECONDS``). TransientError: TMDB is not reachable; TmdbError: it refused."""
    if not tmdb_enabled():
        return []
    name, year = query.strip(), None
    found = _QUERY_YEAR.match(name)
    if found and found.group(1):
        name, year = found.group(1), int(found.group(2))
    client = tmdb_client()
    scored = [
        (float(r.get("popularity") or 0), _candidate(r, series))
        for series, results in (
            (False, client.search_movie(name, year)),
            (True, client.search_tv(name, year)),
        )
        for r in results
        if r.get("id")
    ]
    scored.sort(key=lambda pair: -pair[0])
    return [candidate for _, candidate in scored[:limit]]


def tmdb_link_candidate(text: str) -> TmdbCandidate | None:
    """The movie or series a TMDB link (``https://www.themoviedb.org/movie/550-fight-club``)
    points at; None: not a TMDB link, TMDB is off, or it does not know the id."""
    found = TMDB_LINK.search(text)
    if found is None:
        return None
    media_type = "movie" if found.group(1) == "movie" else "series"
    return tmdb_candidate(media_type=media_type, tmdb_id=int(found.group(2)))


def tmdb_candidate(*, media_type: str, tmdb_id: int) -> TmdbCandidate | None:
    """One candidate by id (from the cache when a search just listed it); None: unknown."""
    if not tmdb_enabled():
        return None
    client = tmdb_client()
    series = media_type == "series"
    try:
        details = client.tv_details(tmdb_id) if series else client.movie_details(tmdb_id)
    except TmdbError:
        return None
    return _candidate(details, series)


def tmdb_image_download(*, file_path: str, size: str, dest: Path) -> Path:
    """Fetch one TMDB image to ``dest`` (then the caller puts it in the vault)."""
    url = tmdb_client().image_url(file_path, size)
    return image_download(url=url, dest=dest, source="TMDB")


def tmdb_step(ctx: JobContext) -> None:
    """The ``tmdb`` step of an ingest: match the parsed name on TMDB (when a key is configured)."""
    rel = ctx.state["release"]
    if not tmdb_enabled() or ctx.payload.get("title_id"):
        ctx.state["tmdb"] = None
        return
    match = tmdb_match(name=rel["title"], year=rel["year"], media_type=rel["media_type"])
    ctx.state["tmdb"] = match.as_dict() if match else None
