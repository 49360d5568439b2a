"""Re-match a title on TMDB by hand (the bot's /edit, the manual override console):
the chosen TMDB entry's metadata replaces the title's, and its poster and backdrop are
fetched through the metadata hoarder into the vault. One audited edit (``catalog.title_edit``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from catalog import services as catalog
from catalog.models import Title
from ingest.tmdb import tmdb_details, tmdb_image_download
from ingest.work import put
from jobs.engine import PermanentError


def title_rematch_tmdb(*, title: Title, media_type: str, tmdb_id: int, actor: Any) -> bool:
    """Point ``title`` at TMDB's ``media_type``/``tmdb_id``: its name, year, overview,
    rating, genres and images. ValidationError: TMDB does not know it, or it is of another
    kind than the title. Returns whether anything changed."""
    if media_type != title.media_type:
        raise ValidationError(
            {"tmdb_id": f"This title is a {title.media_type}, not a {media_type}."}
        )
    other = (
        Title.objects.filter(media_type=media_type, tmdb_id=tmdb_id).exclude(pk=title.pk).first()
    )
    if other is not None:
        raise ValidationError({"tmdb_id": f"{other.title} ({other.short_id}) has that TMDB id."})
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
    work = Path(settings.INGEST_WORK_DIR) / "rematch"
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
    return catalog.title_edit(title=title, data=data, actor=actor)
