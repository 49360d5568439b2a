"""Re-match a title by hand (the bot's /edit, the admin's action): on TMDB by its id, with
OMDb's scores and the fields TMDB lacks merged in, or on OMDb alone by IMDb id. The chosen
entry's metadata replaces the title's, and the images are fetched into the vault. One
audited edit (``catalog.title_edit``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from catalog import services as catalog
from catalog.models import Title
from ingest.metadata import omdb_fill, omdb_poster_put
from ingest.omdb import IMDB_ID, omdb_enabled, omdb_lookup
from ingest.tmdb import tmdb_details, tmdb_image_download, tmdb_imdb_id
from ingest.work import put
from jobs.engine import PermanentError

WORK = "rematch"


def _taken(title: Title, **lookup: Any) -> None:
    other = Title.objects.filter(media_type=title.media_type, **lookup).exclude(pk=title.pk)
    found = other.first()
    if found is not None:
        field_name = next(iter(lookup))
        label = "TMDB" if field_name == "tmdb_id" else "IMDb"
        taken = f"{found.title} ({found.short_id}) has that {label} id."
        raise ValidationError({field_name: taken})


def title_rematch_tmdb(*, title: Title, media_type: str, tmdb_id: int, actor: Any) -> bool:
    """Point ``title`` at TMDB's ``media_type``/``tmdb_id``: its name, year, overview,
    rating, genres and images, then OMDb's scores (and what TMDB left blank) by the IMDb id
    TMDB gives. ValidationError: TMDB does not know it, or it is of another kind than the
    title. Returns whether anything changed."""
    if media_type != title.media_type:
        raise ValidationError(
            {"tmdb_id": f"This title is a {title.media_type}, not a {media_type}."}
        )
    _taken(title, tmdb_id=tmdb_id)
    match = tmdb_details(media_type=media_type, tmdb_id=tmdb_id)
    if match is None:
        raise ValidationError({"tmdb_id": f"TMDB has no {media_type} {tmdb_id}."})
    data: dict[str, Any] = {
        "tmdb_id": match.tmdb_id,
        "title": match.title,
        "year": match.year,
        "overview": match.overview,
        "rating": match.rating,
        "genres": match.genres,
    }
    if match.series_status:
        data["series_status"] = match.series_status
    work = Path(settings.INGEST_WORK_DIR) / WORK
    for field_name, path, size in (
        ("poster", match.poster_path, settings.TMDB_POSTER_SIZE),
        ("backdrop", match.backdrop_path, settings.TMDB_BACKDROP_SIZE),
    ):
        if not path:
            continue
        dest = work / f"{match.tmdb_id}-{field_name}{Path(path).suffix or '.jpg'}"
        try:
            tmdb_image_download(file_path=path, size=size, dest=dest)
        except PermanentError:
            continue  # no image is better than no re-match
        name = f"tmdb-{match.tmdb_id}-{field_name}{dest.suffix}"
        data[field_name] = put(dest, name)["tagged"]
        dest.unlink(missing_ok=True)
    imdb_id = match.imdb_id or tmdb_imdb_id(media_type=media_type, tmdb_id=tmdb_id)
    record = omdb_lookup(imdb_id=imdb_id) if imdb_id else None
    if (
        record is not None
        and not Title.objects.filter(media_type=title.media_type, imdb_id=record.imdb_id)
        .exclude(pk=title.pk)
        .exists()
    ):
        omdb = record.as_dict()
        data.update(omdb_fill(title=title, omdb=omdb, blank={**data, "imdb_id": ""}))
        poster = "" if "poster" in data else _omdb_poster(omdb)
        if poster:
            data["poster"] = poster
    return catalog.title_edit(title=title, data=data, actor=actor)


def title_rematch_omdb(*, title: Title, imdb_id: str, actor: Any) -> bool:
    """Point ``title`` at OMDb's ``imdb_id`` (a title TMDB does not know, or no TMDB key):
    OMDb's name, year, plot, rating, genres, scores and poster. ValidationError: not an IMDb
    id, OMDb is off or does not know it, it is of another kind, or another title has it."""
    if not IMDB_ID.fullmatch(imdb_id or ""):
        raise ValidationError({"imdb_id": "An IMDb id looks like tt0133093."})
    if not omdb_enabled():
        raise ValidationError({"imdb_id": "OMDb is not configured (OMDB_API_KEY)."})
    _taken(title, imdb_id=imdb_id)
    record = omdb_lookup(imdb_id=imdb_id)
    if record is None:
        raise ValidationError({"imdb_id": f"OMDb has no title {imdb_id}."})
    if record.media_type != title.media_type:
        raise ValidationError(
            {"imdb_id": f"This title is a {title.media_type}, not a {record.media_type}."}
        )
    omdb = record.as_dict()
    data: dict[str, Any] = {
        "imdb_id": record.imdb_id,
        "title": record.title or title.title,
        "year": record.year,
        "overview": record.overview,
        "rating": record.rating,
        "genres": record.genres,
        "ratings": record.ratings,
    }
    poster = _omdb_poster(omdb)
    if poster:
        data["poster"] = poster
    return catalog.title_edit(title=title, data=data, actor=actor)


def title_rematch(*, title: Title, actor: Any) -> bool:
    """Fetch a title's metadata again by the ids it holds (an editor may have just set one):
    TMDB's id first, else the IMDb id. ValidationError: it has neither, or the source
    refused it."""
    if title.tmdb_id:
        return title_rematch_tmdb(
            title=title, media_type=title.media_type, tmdb_id=title.tmdb_id, actor=actor
        )
    if title.imdb_id:
        return title_rematch_omdb(title=title, imdb_id=title.imdb_id, actor=actor)
    raise ValidationError("It has no TMDB or IMDb id to re-match by; set one first.")


def _omdb_poster(omdb: dict[str, Any]) -> str:
    try:
        return omdb_poster_put(omdb=omdb, work=Path(settings.INGEST_WORK_DIR) / WORK)
    except PermanentError:
        return ""
