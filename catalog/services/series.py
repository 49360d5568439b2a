"""Episodes, season packs, chapters and chapter packs."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.signals import pack_contents_changed

from ..models import (
    Chapter,
    ChapterPack,
    Episode,
    MediaType,
    SeasonPack,
    Title,
)
from .readmodel import title_refresh

# --- series and manga -------------------------------------------------------------------------


def pack_changed(title_id: int, season: int | None) -> None:
    """Tell whoever keeps download packs (after commit) that this season's (or this manga's)
    files changed."""
    transaction.on_commit(
        lambda: pack_contents_changed.send(sender=Title, title_id=title_id, season=season)
    )


def _require(title: Title, media_type: str) -> None:
    if title.media_type != media_type:
        raise ValidationError(f"{title} is a {title.media_type}, not a {media_type}.")


@transaction.atomic
def episode_add(
    *,
    series: Title,
    season: int,
    number: int,
    name: str = "",
    air_date: datetime.date | None = None,
) -> Episode:
    """Create the episode, or update its name and air date if it exists (idempotent)."""
    _require(series, MediaType.SERIES)
    episode, created = Episode.objects.get_or_create(
        series=series, season=season, number=number, defaults={"name": name, "air_date": air_date}
    )
    if not created and (episode.name, episode.air_date) != (name or episode.name, air_date):
        episode.name = name or episode.name
        episode.air_date = air_date or episode.air_date
        episode.save(update_fields=["name", "air_date"])
    title_refresh(series)
    return episode


@transaction.atomic
def episodes_part_of_set(*, first: Episode, numbers: list[int]) -> list[Episode]:
    """Episodes ``numbers`` of ``first``'s season are in ``first``'s files (a file that holds
    several): each is created if missing and plays those files until it has its own."""
    made = []
    for number in sorted(set(numbers) - {first.number}):
        episode = episode_add(series=first.series, season=first.season, number=number)
        if episode.part_of_id != first.pk:
            Episode.objects.filter(pk=episode.pk).update(part_of=first)
            episode.part_of = first
        made.append(episode)
    title_refresh(first.series_id)
    return made


def episode_remove(*, episode: Episode) -> None:
    series_id = episode.series_id
    episode.delete()
    title_refresh(series_id)
    pack_changed(series_id, episode.season)


@transaction.atomic
def season_pack_set(
    *,
    series: Title,
    season: int,
    backend: str,
    ref: str,
    size_bytes: int,
    episodes: list[int],
    fingerprint: str = "",
) -> SeasonPack:
    _require(series, MediaType.SERIES)
    pack, _ = SeasonPack.objects.update_or_create(
        series=series,
        season=season,
        defaults={
            "backend": backend,
            "ref": ref,
            "size_bytes": size_bytes,
            "episodes": sorted(episodes),
            "fingerprint": fingerprint,
        },
    )
    title_refresh(series)
    return pack


@transaction.atomic
def chapter_add(
    *,
    manga: Title,
    number: Decimal | float | int | str,
    backend: str,
    ref: str,
    pages: list[dict[str, Any]],
    name: str = "",
) -> Chapter:
    """Add a chapter with its stored page index ([{name, size, width, height}] in reading
    order). A chapter number already present is an error, not an overwrite."""
    _require(manga, MediaType.MANGA)
    number = Decimal(str(number))
    if Chapter.objects.filter(manga=manga, number=number).exists():
        raise ValidationError({"number": f"Chapter {number} already exists."})
    chapter = Chapter.objects.create(
        manga=manga,
        number=number,
        name=name,
        backend=backend,
        ref=ref,
        pages=pages,
        page_count=len(pages),
    )
    title_refresh(manga)
    pack_changed(manga.pk, None)
    return chapter


def chapter_remove(*, chapter: Chapter) -> None:
    manga_id = chapter.manga_id
    chapter.delete()
    title_refresh(manga_id)
    pack_changed(manga_id, None)


@transaction.atomic
def chapter_pack_set(
    *,
    manga: Title,
    chapters: list[Decimal | float | int | str],
    backend: str,
    ref: str,
    size_bytes: int,
    fingerprint: str = "",
) -> ChapterPack:
    """Link a stored zip of these chapters (the manga side of the dual path); a pack of the
    same span is replaced. With a ``fingerprint`` it is the pack kept of every chapter: the
    previous one (another span) is unlinked."""
    _require(manga, MediaType.MANGA)
    numbers = sorted(Decimal(str(n)) for n in chapters)
    if not numbers:
        raise ValidationError({"chapters": "A pack holds at least one chapter."})
    pack, _ = ChapterPack.objects.update_or_create(
        manga=manga,
        first=numbers[0],
        last=numbers[-1],
        defaults={
            "backend": backend,
            "ref": ref,
            "size_bytes": size_bytes,
            "chapters": [int(n) if n == n.to_integral_value() else float(n) for n in numbers],
            "fingerprint": fingerprint,
        },
    )
    if fingerprint:
        ChapterPack.objects.filter(manga=manga).exclude(fingerprint="").exclude(pk=pack.pk).delete()
    title_refresh(manga)
    return pack


def pack_remove(*, pack: SeasonPack | ChapterPack) -> None:
    """Unlink a pack (its files are gone); the caller deletes the stored zip."""
    title_id = pack.series_id if isinstance(pack, SeasonPack) else pack.manga_id
    pack.delete()
    title_refresh(title_id)
