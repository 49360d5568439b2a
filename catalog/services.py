"""Every catalog write. Each public function ends by refreshing the read model of the titles
it touched (``Title.document`` and ``Title.card``) and invalidating their cache entries.

Inside ``documents_deferred()`` the refreshes are collected and done once per title when the
block exits, so a bulk import does not rebuild a title's document for every file it adds.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from .documents import title_card_build, title_document_build, titles_for_build
from .models import (
    Chapter,
    ChapterPack,
    DownloadMirror,
    Embed,
    Episode,
    FileStatus,
    Genre,
    IntroVote,
    IssuedShortId,
    LinkStatus,
    MediaFile,
    MediaType,
    ReadDirection,
    Screenshot,
    SeasonPack,
    SubtitleTrack,
    Title,
    TitleStatus,
)
from .text import clean_title, new_short_id

_deferred: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "catalog_deferred_titles", default=None
)

TITLE_EDITABLE_FIELDS = {
    "title",
    "year",
    "tmdb_id",
    "rating",
    "overview",
    "content_rating",
    "series_status",
    "read_direction",
    "poster",
    "backdrop",
}


def title_cache_key(short_id: str) -> str:
    return f"title-doc:{short_id}"


# --- the read model -------------------------------------------------------------------------


def title_documents_rebuild(*, title_ids: Iterable[int]) -> int:
    """Rebuild and store the document and card of these titles; returns how many were stored."""
    return len(_rebuild(title_ids))


def _rebuild(title_ids: Iterable[int]) -> dict[int, Title]:
    ids = sorted(set(title_ids))
    built: dict[int, Title] = {}
    for start in range(0, len(ids), 500):
        batch = list(titles_for_build(ids[start : start + 500]))
        for title in batch:
            title.document = title_document_build(title)
            title.card = title_card_build(title.document)
            built[title.id] = title
        Title.objects.bulk_update(batch, ["document", "card"])
        _invalidate([t.short_id for t in batch])
    return built


def title_document_rebuild(*, title: Title) -> None:
    _refresh(title)


def _invalidate(short_ids: list[str]) -> None:
    keys = [title_cache_key(s) for s in short_ids]
    cache.delete_many(keys)
    # Again after commit: a reader between our delete and the commit may have cached the old one.
    transaction.on_commit(lambda: cache.delete_many(keys))


def _refresh(title: Title | int) -> None:
    """Refresh one title's read model now, or at the end of ``documents_deferred``. Given the
    instance, its ``document`` and ``card`` are updated in place too."""
    title_id = title if isinstance(title, int) else title.id
    pending = _deferred.get()
    if pending is not None:
        pending.add(title_id)
        return
    fresh = _rebuild([title_id]).get(title_id)
    if fresh is not None and isinstance(title, Title):
        title.document, title.card = fresh.document, fresh.card


@contextlib.contextmanager
def documents_deferred() -> Iterator[set[int]]:
    """Collect document refreshes and run them once per title at the end of the block."""
    outer = _deferred.get()
    if outer is not None:  # nested: the outermost block rebuilds
        yield outer
        return
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)
    title_documents_rebuild(title_ids=pending)


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


def _genres(names: Iterable[str]) -> list[Genre]:
    genres = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        slug = slugify(name) or clean_title(name).replace(" ", "-")
        genre, _ = Genre.objects.get_or_create(slug=slug, defaults={"name": name})
        genres.append(genre)
    return genres


def _search_text(title: Title, genre_names: Iterable[str]) -> str:
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
    genres: Iterable[str] = (),
    rating: Decimal | float | None = None,
    overview: str = "",
    content_rating: str = "safe",
    status: str = TitleStatus.PROCESSING,
    series_status: str = "",
    read_direction: str = "",
    poster: str = "",
    backdrop: str = "",
) -> Title:
    if media_type == MediaType.MANGA and not read_direction:
        read_direction = ReadDirection.RTL
    obj = Title(
        media_type=media_type,
        title=title.strip(),
        clean_title=clean_title(title),
        year=year,
        tmdb_id=tmdb_id,
        rating=Decimal(str(rating)) if rating is not None else None,
        overview=overview,
        content_rating=content_rating,
        status=status,
        series_status=series_status,
        read_direction=read_direction,
        poster=poster,
        backdrop=backdrop,
    )
    _validate_title(obj)
    obj.short_id = _issue_short_id()
    genre_objs = _genres(genres)
    obj.search_text = _search_text(obj, (g.name for g in genre_objs))
    obj.save()
    obj.genres.set(genre_objs)
    _refresh(obj)
    return obj


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
        title.genres.set(_genres(genres))
    title.search_text = _search_text(title, (g.name for g in title.genres.all()))
    title.save()
    _refresh(title)
    return title


def title_set_status(*, title: Title, status: str) -> bool:
    """Returns False when the title was already in that status (nothing written)."""
    if status not in TitleStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    changed = Title.objects.filter(pk=title.pk).exclude(status=status).update(status=status)
    title.status = status
    if changed:
        _refresh(title)
    return bool(changed)


def title_delete(*, title: Title) -> None:
    """Deletes the title and its rows (the short id stays issued, so it is never reused)."""
    short_id = title.short_id
    title.delete()
    _invalidate([short_id])


# --- files ----------------------------------------------------------------------------------


def _check_file_owner(title: Title, episode: Episode | None) -> None:
    if title.media_type == MediaType.MANGA:
        raise ValidationError("Manga titles hold chapters, not media files.")
    if title.media_type == MediaType.SERIES and episode is None:
        raise ValidationError({"episode": "A series file belongs to an episode."})
    if title.media_type == MediaType.MOVIE and episode is not None:
        raise ValidationError({"episode": "A movie file has no episode."})
    if episode is not None and episode.series_id != title.id:
        raise ValidationError({"episode": "That episode belongs to another series."})


@transaction.atomic
def media_file_add(
    *,
    title: Title,
    quality: str,
    file_hash: str,
    size_bytes: int,
    episode: Episode | None = None,
    label: str = "",
    backend: str = "local",
    ref: str = "",
    tg_raw: dict | None = None,
    backup_url: str = "",
    status: str = FileStatus.ACTIVE,
    **probe: Any,
) -> MediaFile:
    """Attach a stored file. ``probe`` takes the ffprobe fields of MediaFile (container,
    video_codec, width, height, duration, bitrate, hdr, audio_langs)."""
    _check_file_owner(title, episode)
    if MediaFile.objects.filter(file_hash=file_hash).exists():
        raise ValidationError({"file_hash": "A file with this hash is already in the catalog."})
    media_file = MediaFile(
        title=title,
        episode=episode,
        quality=quality,
        label=label,
        file_hash=file_hash,
        size_bytes=size_bytes,
        backend=backend,
        ref=ref,
        tg_raw=tg_raw or {},
        backup_url=backup_url,
        status=status,
        **probe,
    )
    media_file.full_clean(validate_unique=False)
    media_file.save()
    _refresh(title)
    return media_file


@transaction.atomic
def media_file_replace(
    *,
    media_file: MediaFile,
    file_hash: str,
    size_bytes: int,
    backend: str,
    ref: str,
    tg_raw: dict | None = None,
    **probe: Any,
) -> MediaFile:
    """Point the quality bucket at new bytes. Tracks and screenshots of the old bytes go."""
    if MediaFile.objects.filter(file_hash=file_hash).exclude(pk=media_file.pk).exists():
        raise ValidationError({"file_hash": "A file with this hash is already in the catalog."})
    media_file.subtitles.all().delete()
    media_file.screenshots.all().delete()
    media_file.file_hash = file_hash
    media_file.size_bytes = size_bytes
    media_file.backend = backend
    media_file.ref = ref
    media_file.tg_raw = tg_raw or {}
    media_file.status = FileStatus.ACTIVE
    for name, value in probe.items():
        setattr(media_file, name, value)
    media_file.full_clean(validate_unique=False)
    media_file.save()
    _refresh(media_file.title_id)
    return media_file


def media_file_remove(*, media_file: MediaFile) -> None:
    title_id = media_file.title_id
    media_file.delete()
    _refresh(title_id)


def media_file_set_status(*, media_file: MediaFile, status: str) -> bool:
    if status not in FileStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    changed = (
        MediaFile.objects.filter(pk=media_file.pk).exclude(status=status).update(status=status)
    )
    media_file.status = status
    if changed:
        _refresh(media_file.title_id)
    return bool(changed)


@transaction.atomic
def subtitle_tracks_set(*, media_file: MediaFile, tracks: list[dict[str, Any]]) -> None:
    """Replace the file's tracks. Each: stream_index, lang, label, codec, kind, vtt_ref."""
    indexes = [t["stream_index"] for t in tracks]
    if len(indexes) != len(set(indexes)):
        raise ValidationError({"tracks": "Two tracks have the same stream index."})
    media_file.subtitles.all().delete()
    objs = [SubtitleTrack(media_file=media_file, **t) for t in tracks]
    for obj in objs:
        obj.full_clean(exclude=["media_file"], validate_unique=False)
    SubtitleTrack.objects.bulk_create(objs)
    _refresh(media_file.title_id)


@transaction.atomic
def embeds_set(*, media_file: MediaFile, embeds: list[dict[str, Any]]) -> None:
    """Replace the file's embeds. Each: host, url, priority (lower plays first)."""
    media_file.embeds.all().delete()
    objs = [Embed(media_file=media_file, **e) for e in embeds]
    for obj in objs:
        obj.full_clean(exclude=["media_file"])
    Embed.objects.bulk_create(objs)
    _refresh(media_file.title_id)


@transaction.atomic
def mirrors_set(*, media_file: MediaFile, mirrors: list[dict[str, Any]]) -> None:
    """Replace the file's download mirrors. Each: host, url, icon, status."""
    media_file.mirrors.all().delete()
    objs = [DownloadMirror(media_file=media_file, **m) for m in mirrors]
    for obj in objs:
        obj.full_clean(exclude=["media_file"])
    DownloadMirror.objects.bulk_create(objs)
    _refresh(media_file.title_id)


def link_set_status(*, link: Embed | DownloadMirror, status: str, checked: bool = True) -> bool:
    """Mark an embed or a mirror active/dead (and when it was checked). Returns whether the
    status changed; the document is refreshed only then."""
    if status not in LinkStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    fields: dict[str, Any] = {"last_checked_at": timezone.now()} if checked else {}
    model = type(link)
    changed = (
        model.objects.filter(pk=link.pk).exclude(status=status).update(status=status, **fields)
    )
    if not changed and fields:
        model.objects.filter(pk=link.pk).update(**fields)
    link.status = status
    if changed:
        _refresh(MediaFile.objects.values_list("title_id", flat=True).get(pk=link.media_file_id))
    return bool(changed)


# --- series and manga -------------------------------------------------------------------------


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
    _refresh(series)
    return episode


def episode_remove(*, episode: Episode) -> None:
    series_id = episode.series_id
    episode.delete()
    _refresh(series_id)


@transaction.atomic
def season_pack_set(
    *,
    series: Title,
    season: int,
    backend: str,
    ref: str,
    size_bytes: int,
    episodes: list[int],
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
        },
    )
    _refresh(series)
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
    _refresh(manga)
    return chapter


def chapter_remove(*, chapter: Chapter) -> None:
    manga_id = chapter.manga_id
    chapter.delete()
    _refresh(manga_id)


@transaction.atomic
def chapter_pack_set(
    *,
    manga: Title,
    chapters: list[Decimal | float | int | str],
    backend: str,
    ref: str,
    size_bytes: int,
) -> ChapterPack:
    """Link a stored zip of these chapters (the manga side of the dual path); a pack of the
    same span is replaced."""
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
        },
    )
    _refresh(manga)
    return pack


def media_file_location_set(*, media_file: MediaFile, tg_raw: dict[str, Any]) -> None:
    """Store a refreshed Telegram location (a new file reference). Not part of the read model,
    so no document rebuild."""
    MediaFile.objects.filter(pk=media_file.pk).update(tg_raw=tg_raw)
    media_file.tg_raw = tg_raw


def media_file_relocate(
    *, media_file: MediaFile, backend: str, ref: str, tg_raw: dict[str, Any] | None = None
) -> MediaFile:
    """The same bytes (same ``file_hash``) now live at another vault location (a re-copy to a
    fresh storage message, a re-put after a repair): point the file there and make it active.
    Tracks and screenshots belong to the bytes, so they stay."""
    media_file.backend = backend
    media_file.ref = ref
    media_file.tg_raw = tg_raw or {}
    media_file.status = FileStatus.ACTIVE
    media_file.full_clean(validate_unique=False)
    media_file.save(update_fields=["backend", "ref", "tg_raw", "status"])
    _refresh(media_file.title_id)
    return media_file


def screenshot_add(
    *,
    title: Title,
    ref: str,
    position: int,
    backend: str = "local",
    media_file: MediaFile | None = None,
) -> Screenshot:
    if not 0 <= position <= 100:
        raise ValidationError({"position": "A percentage from 0 to 100."})
    shot = Screenshot.objects.create(
        title=title, media_file=media_file, ref=ref, position=position, backend=backend
    )
    _refresh(title)
    return shot


@transaction.atomic
def intro_vote_cast(
    *, title: Title, user: Any, start: int, end: int, episode: Episode | None = None
) -> IntroVote:
    """One vote per user per title (or episode); voting again moves the vote."""
    if end <= start:
        raise ValidationError({"end": "The intro must end after it starts."})
    vote, _ = IntroVote.objects.update_or_create(
        title=title, episode=episode, user=user, defaults={"start": start, "end": end}
    )
    _refresh(title)
    return vote
