"""OMDb beside TMDB: the ``omdb`` step of an ingest, and the one rule for what OMDb adds to a
title — its IMDb id and the other sites' scores always, and its plot, rating, genres and year
only where TMDB (or an editor) left them blank. Its poster is re-hosted in the vault like
TMDB's, when the title has none."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from catalog.models import Title
from ingest.omdb import omdb_enabled, omdb_lookup
from ingest.tmdb import tmdb_imdb_id
from ingest.work import image_download, put
from jobs.engine import JobContext


def omdb_step(ctx: JobContext) -> None:
    """Look the release up on OMDb (when a key is configured): by the IMDb id of the TMDB
    match, else by the parsed name, year and kind."""
    rel = ctx.state["release"]
    if (
        not omdb_enabled()
        or ctx.payload.get("title_id")
        or rel["media_type"] not in ("movie", "series")
    ):
        ctx.state["omdb"] = None
        return
    tmdb = ctx.state.get("tmdb")
    if tmdb:
        imdb_id = tmdb.get("imdb_id") or tmdb_imdb_id(
            media_type=tmdb["media_type"], tmdb_id=tmdb["tmdb_id"]
        )
        record = omdb_lookup(imdb_id=imdb_id) if imdb_id else None
    else:
        record = omdb_lookup(name=rel["title"], year=rel["year"], media_type=rel["media_type"])
    ctx.state["omdb"] = record.as_dict() if record else None


def omdb_fill(*, title: Title, omdb: dict[str, Any], blank: dict[str, Any] | None = None) -> dict:
    """The fields OMDb's record sets on ``title``: the IMDb id (when it has none) and the
    scores, and the plot, rating, year and genres where they are blank. ``blank`` overrides
    what the title holds now (a re-match about to write TMDB's data)."""
    now = {
        "overview": title.overview,
        "rating": title.rating,
        "year": title.year,
        "genres": [g.name for g in title.genres.all()] if title.pk else [],
        "imdb_id": title.imdb_id,
        **(blank or {}),
    }
    data: dict[str, Any] = {}
    if not now["imdb_id"]:
        data["imdb_id"] = omdb["imdb_id"]
    if omdb["ratings"] and omdb["ratings"] != title.ratings:
        data["ratings"] = omdb["ratings"]
    for name in ("overview", "rating", "year", "genres"):
        if now[name] in (None, "", []) and omdb[name] not in (None, "", []):
            data[name] = omdb[name]
    return data


def omdb_poster_put(*, omdb: dict[str, Any], work: Path, backend: str | None = None) -> str:
    """OMDb's poster fetched into the vault; its tagged ref, or "" when OMDb has none.
    PermanentError: the URL is not an image."""
    url = omdb.get("poster_url") or ""
    if not url:
        return ""
    dest = work / f"omdb-{omdb['imdb_id']}-poster{Path(urlparse(url).path).suffix or '.jpg'}"
    image_download(url=url, dest=dest, source="OMDb")
    ref = put(dest, dest.name, backend=backend)["tagged"]
    dest.unlink(missing_ok=True)
    return ref
