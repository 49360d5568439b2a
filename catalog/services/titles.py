"""Titles: create, edit, status, delete."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from core.signals import title_published

from ..models import (
    Genre,
    IssuedShortId,
    MediaType,
    ReadDirection,
    Title,
    TitleStatus,
)
from ..text import clean_title, new_short_id
from .readmodel import cache_invalidate, title_refresh

TITLE_EDITABLE_FIELDS = {
    "title",
    "year",
    "tmdb_id",
    "imdb_id",
    "rating",
    "ratings",
    "overview",
    "content_rating",
    "series_status",
    "read_direction",
    "poster",
    "backdrop",
    "intro_start",
    "intro_end",
}


# --- titles ---------------------------------------------------------------------------------


def _issue_short_id() -> str:
    for _ in range(20):
        candidate = new_short_id()
        try:
            with transaction.atomic():
                IssuedShortId.objects.create(short_id=candidate)
        except IntegrityError:
            continue
        return candidate
    raise RuntimeError("could not issue a unique short id after 20 tries")


def genres_for_names(names: Iterable[str]) -> list[Genre]:
    genres = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        slug = slugify(name) or clean_title(name).replace(" ", "-")
        genre, _ = Genre.objects.get_or_create(slug=slug, defaults={"name": name})
        genres.append(genre)
    return genres


def search_text_build(title: Title, genre_names: Iterable[str]) -> str:
    parts = [title.clean_title, *(clean_title(g) for g in genre_names)]
    if title.year:
        parts.append(str(title.year))
    return " ".join(p for p in parts if p)


def _validate_title(title: Title) -> None:
    # Model rules (Title.clean) and constraints (unique tmdb id per media type).
    title.full_clean(exclude=["short_id", "clean_title", "genres"])


@transaction.atomic
def title_create(
    *,
    media_type: str,
    title: str,
    year: int | None = None,
    tmdb_id: int | None = None,
    imdb_id: str = "",
    genres: Iterable[str] = (),
    rating: Decimal | float | None = None,
    ratings: list[dict[str, str]] | None = None,
    overview: str = "",
    content_rating: str = "safe",
    status: str = TitleStatus.PROCESSING,
    series_status: str = "",
    read_direction: str = "",
    poster: str = "",
    backdrop: str = "",
    intro_start: int | None = None,
    intro_end: int | None = None,
) -> Title:
    if media_type == MediaType.MANGA and not read_direction:
        read_direction = ReadDirection.RTL
    obj = Title(
        media_type=media_type,
        title=title.strip(),
        clean_title=clean_title(title),
        year=year,
        tmdb_id=tmdb_id,
        imdb_id=imdb_id,
        rating=Decimal(str(rating)) if rating is not None else None,
        ratings=ratings or [],
        overview=overview,
        content_rating=content_rating,
        status=status,
        series_status=series_status,
        read_direction=read_direction,
        poster=poster,
        backdrop=backdrop,
        intro_start=intro_start,
        intro_end=intro_end,
    )
    _validate_title(obj)
    obj.short_id = _issue_short_id()
    genre_objs = genres_for_names(genres)
    obj.search_text = search_text_build(obj, (g.name for g in genre_objs))
    obj.save()
    obj.genres.set(genre_objs)
    title_refresh(obj)
    if obj.status == TitleStatus.AVAILABLE:
        _published(obj.pk)
    return obj


def _published(title_id: int) -> None:
    transaction.on_commit(lambda: title_published.send(sender=Title, title_id=title_id))


@transaction.atomic
def title_update(*, title: Title, data: dict[str, Any] | None = None) -> Title:
    """Set editable fields (``TITLE_EDITABLE_FIELDS``, plus ``genres`` as names). With no data
    it recomputes the derived fields and the document (after an admin saved inline rows)."""
    data = dict(data or {})
    genres = data.pop("genres", None)
    unknown = set(data) - TITLE_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"title_update cannot set {sorted(unknown)}")
    for name, value in data.items():
        if name == "rating" and value is not None:
            value = Decimal(str(value))
        setattr(title, name, value.strip() if name == "title" else value)
    title.clean_title = clean_title(title.title)
    _validate_title(title)
    if genres is not None:
        title.genres.set(genres_for_names(genres))
    title.search_text = search_text_build(title, (g.name for g in title.genres.all()))
    title.save()
    title_refresh(title)
    return title


def title_set_status(*, title: Title, status: str) -> bool:
    """Returns False when the title was already in that status (nothing written)."""
    if status not in TitleStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    previous = title.status
    changed = Title.objects.filter(pk=title.pk).exclude(status=status).update(status=status)
    title.status = status
    if changed:
        title_refresh(title)
        if status == TitleStatus.AVAILABLE and previous != TitleStatus.REPAIRING:
            _published(title.pk)  # new in the library (a repair's end is not news)
    return bool(changed)


def title_delete(*, title: Title) -> None:
    """Deletes the title and its rows (the short id stays issued, so it is never reused)."""
    short_id = title.short_id
    title.delete()
    cache_invalidate([short_id])
