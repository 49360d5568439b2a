"""Media files, their tracks, embeds, mirrors, locations and screenshots."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import (
    DownloadMirror,
    Embed,
    Episode,
    FileStatus,
    LinkStatus,
    MediaFile,
    MediaType,
    Screenshot,
    SubtitleTrack,
    Title,
    default_backend,
)
from .readmodel import title_refresh
from .series import pack_changed

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
    backend: str | None = None,
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
        backend=backend or default_backend(),
        ref=ref,
        tg_raw=tg_raw or {},
        backup_url=backup_url,
        status=status,
        **probe,
    )
    media_file.full_clean(validate_unique=False)
    media_file.save()
    title_refresh(title)
    _episode_changed(media_file)
    return media_file


def _episode_changed(media_file: MediaFile) -> None:
    """A series file's season pack may be out of date."""
    if media_file.episode_id is not None:
        season = Episode.objects.filter(pk=media_file.episode_id).values_list("season", flat=True)
        pack_changed(media_file.title_id, season.first())


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
    title_refresh(media_file.title_id)
    _episode_changed(media_file)
    return media_file


def media_file_remove(*, media_file: MediaFile) -> None:
    title_id = media_file.title_id
    _episode_changed(media_file)
    media_file.delete()
    title_refresh(title_id)


def media_file_set_status(*, media_file: MediaFile, status: str) -> bool:
    if status not in FileStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    changed = (
        MediaFile.objects.filter(pk=media_file.pk).exclude(status=status).update(status=status)
    )
    media_file.status = status
    if changed:
        title_refresh(media_file.title_id)
        _episode_changed(media_file)
    return bool(changed)


PLAYABLE_STATES = {"", "direct", "remux", "audio", "transcode", "failed"}


def media_file_playable_set(
    *,
    media_file: MediaFile,
    playable: str,
    playable_hash: str = "",
    playable_ref: str = "",
    playable_size: int = 0,
) -> bool:
    """What a browser plays for this file (``media.playable``): ``direct`` (the file itself),
    a rendition (``remux``/``audio``/``transcode``; ready when ``playable_hash`` is given, with
    its tagged vault ref and size), or ``failed``. Idempotent; the document follows."""
    if playable not in PLAYABLE_STATES:
        raise ValidationError({"playable": f"Unknown playable state {playable!r}."})
    fields = {
        "playable": playable,
        "playable_hash": playable_hash,
        "playable_ref": playable_ref,
        "playable_size": playable_size,
    }
    if all(getattr(media_file, name) == value for name, value in fields.items()):
        return False
    MediaFile.objects.filter(pk=media_file.pk).update(**fields)
    for name, value in fields.items():
        setattr(media_file, name, value)
    title_refresh(media_file.title_id)
    return True


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
    title_refresh(media_file.title_id)


@transaction.atomic
def subtitle_vtts_set(*, media_file: MediaFile, vtt_refs: dict[str, str]) -> int:
    """New WebVTT refs for the file's text tracks (stream index → tagged ref), as a re-extraction
    gives them; returns how many tracks changed."""
    changed = 0
    for index, ref in vtt_refs.items():
        changed += SubtitleTrack.objects.filter(
            media_file=media_file, stream_index=int(index), kind=SubtitleTrack.Kind.TEXT
        ).update(vtt_ref=ref)
    if changed:
        title_refresh(media_file.title_id)
    return changed


@transaction.atomic
def embeds_set(*, media_file: MediaFile, embeds: list[dict[str, Any]]) -> None:
    """Replace the file's embeds. Each: host, url, priority (lower plays first)."""
    media_file.embeds.all().delete()
    objs = [Embed(media_file=media_file, **e) for e in embeds]
    for obj in objs:
        obj.full_clean(exclude=["media_file"])
    Embed.objects.bulk_create(objs)
    title_refresh(media_file.title_id)


@transaction.atomic
def mirrors_set(*, media_file: MediaFile, mirrors: list[dict[str, Any]]) -> None:
    """Replace the file's download mirrors. Each: host, url, icon, status."""
    media_file.mirrors.all().delete()
    objs = [DownloadMirror(media_file=media_file, **m) for m in mirrors]
    for obj in objs:
        obj.full_clean(exclude=["media_file"])
    DownloadMirror.objects.bulk_create(objs)
    title_refresh(media_file.title_id)


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
        title_refresh(
            MediaFile.objects.values_list("title_id", flat=True).get(pk=link.media_file_id)
        )
    return bool(changed)


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
    title_refresh(media_file.title_id)
    return media_file


def screenshot_add(
    *,
    title: Title,
    ref: str,
    position: int,
    backend: str | None = None,
    media_file: MediaFile | None = None,
) -> Screenshot:
    if not 0 <= position <= 100:
        raise ValidationError({"position": "A percentage from 0 to 100."})
    shot = Screenshot.objects.create(
        title=title,
        media_file=media_file,
        ref=ref,
        position=position,
        backend=backend or default_backend(),
    )
    title_refresh(title)
    return shot
