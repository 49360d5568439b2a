"""Which bytes ``/s/<hash>`` serves: a media file, its browser-playable rendition, or a season
or chapter pack — looked up once per ``VAULT_STREAM_LOOKUP_SECONDS`` (a player's burst of range
requests costs one query), and what happens when their bytes are gone."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q

from catalog import services as catalog
from catalog.models import (
    ChapterPack,
    DownloadMirror,
    FileStatus,
    LinkStatus,
    MediaFile,
    SeasonPack,
    TitleStatus,
)
from catalog.policy import FACT_FIELDS, TitleFacts, facts_from_row
from core.refs import split_tagged
from core.signals import rendition_missing, vault_object_missing
from media.names import clean_filename

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "mp4": "video/mp4",
    "m4v": "video/x-m4v",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "ts": "video/mp2t",
    "mpg": "video/mpeg",
    "flv": "video/x-flv",
    "ogg": "video/ogg",
    "wmv": "video/x-ms-wmv",
}


@dataclass(frozen=True)
class Target:
    backend: str
    ref: str
    tg_raw: dict[str, Any]
    size: int
    content_type: str
    filename: str
    rendition_of: str = ""  # a browser-playable rendition: the file hash it was made from
    # What a site's catalog policy looks at (``catalog.policy``): its title's facts.
    facts: TitleFacts | None = None
    # The primary copy is lost (the file is dead): the door sends viewers to ``fallback``, a
    # live backup or mirror of the same bytes, while the medic re-copies the primary.
    lost: bool = False
    fallback: str = ""


def fallback_url(file_hash: str) -> str:
    """A live copy of a file elsewhere: its backup URL, else its first mirror not known dead
    ("" when it has none)."""
    row = MediaFile.objects.filter(file_hash=file_hash).values("pk", "backup_url").first()
    if row is None:
        return ""
    if row["backup_url"]:
        return row["backup_url"]
    mirror = (
        DownloadMirror.objects.filter(media_file_id=row["pk"], status=LinkStatus.ACTIVE)
        .values_list("url", flat=True)
        .first()
    )
    return mirror or ""


def _target_load(file_hash: str, *, outside_django: bool = False) -> Target | None:
    if outside_django:
        # Django's handler does this on request_started/finished; the lean door must too.
        close_old_connections()
    row = (
        MediaFile.objects.filter(
            Q(file_hash=file_hash, status__in=[FileStatus.ACTIVE, FileStatus.DEAD])
            | Q(playable_hash=file_hash, status=FileStatus.ACTIVE)
        )
        .exclude(title__status=TitleStatus.BANNED)  # a takedown stops streams at once
        .values(
            "status",
            "backend",
            "ref",
            "tg_raw",
            "size_bytes",
            "file_hash",
            "playable_ref",
            "playable_size",
            "container",
            "quality",
            "title__title",
            "title__year",
            "episode__season",
            "episode__number",
            *(f"title__{f}" for f in FACT_FIELDS),
        )
        .first()
    )
    if row is None:
        return _pack_target(file_hash)
    facts = facts_from_row(row[f"title__{f}"] for f in FACT_FIELDS)
    if row["status"] == FileStatus.DEAD:
        # Lost: served from a live copy elsewhere while it is repaired, else not at all.
        fallback = fallback_url(file_hash)
        if not fallback:
            return None
        return Target(
            row["backend"],
            row["ref"],
            {},
            row["size_bytes"],
            "",
            "",
            facts=facts,
            lost=True,
            fallback=fallback,
        )
    rendition = row["file_hash"] != file_hash
    name = {
        "title": row["title__title"],
        "year": row["title__year"],
        "quality": row["quality"],
        "season": row["episode__season"],
        "episode": row["episode__number"],
    }
    if rendition:
        backend, ref = split_tagged(row["playable_ref"]) or ("", "")
        return Target(
            backend=backend,
            ref=ref,
            tg_raw={},
            size=row["playable_size"],
            content_type="video/mp4",
            filename=clean_filename(**name, ext="mp4"),
            rendition_of=row["file_hash"],
            facts=facts,
        )
    return Target(
        backend=row["backend"],
        ref=row["ref"],
        tg_raw=row["tg_raw"] or {},
        size=row["size_bytes"],
        content_type=CONTENT_TYPES.get(row["container"], "application/octet-stream"),
        filename=clean_filename(**name, ext=row["container"] or "bin"),
        facts=facts,
    )


def _pack_target(file_hash: str) -> Target | None:
    """A season or chapter pack (its ref is its SHA-256, the backend's content address):
    downloadable through the same signed URL scheme."""
    season = (
        SeasonPack.objects.filter(ref=file_hash)
        .exclude(series__status=TitleStatus.BANNED)
        .values(
            "backend",
            "ref",
            "size_bytes",
            "season",
            "series__title",
            "series__year",
            *(f"series__{f}" for f in FACT_FIELDS),
        )
        .first()
    )
    if season is not None:
        name = clean_filename(
            title=season["series__title"], year=season["series__year"], season=season["season"]
        )
        return Target(
            season["backend"],
            season["ref"],
            {},
            season["size_bytes"],
            "application/zip",
            name + ".zip",
            facts=facts_from_row(season[f"series__{f}"] for f in FACT_FIELDS),
        )
    chapters = (
        ChapterPack.objects.filter(ref=file_hash)
        .exclude(manga__status=TitleStatus.BANNED)
        .values(
            "backend",
            "ref",
            "size_bytes",
            "first",
            "last",
            "manga__title",
            *(f"manga__{f}" for f in FACT_FIELDS),
        )
        .first()
    )
    if chapters is not None:
        name = clean_filename(
            title=f"{chapters['manga__title']} - Chapters "
            f"{chapters['first'].normalize():f}-{chapters['last'].normalize():f}",
            ext="zip",
        )
        return Target(
            chapters["backend"],
            chapters["ref"],
            {},
            chapters["size_bytes"],
            "application/zip",
            name,
            facts=facts_from_row(chapters[f"manga__{f}"] for f in FACT_FIELDS),
        )
    return None


def target_bytes_missing(file_hash: str, target: Target, *, outside_django: bool = False) -> None:
    """Mark the media file dead (the document stops offering it) and tell the listeners of
    ``core.signals.vault_object_missing`` (the medic opens a repair)."""
    if outside_django:
        close_old_connections()
    if target.rendition_of:
        # A lost rendition: the player falls back to the file itself until one is made again
        # (ingest queues it).
        media_file = MediaFile.objects.filter(file_hash=target.rendition_of).first()
        if media_file is not None:
            catalog.media_file_playable_set(media_file=media_file, playable=media_file.playable)
            rendition_missing.send(sender=Target, media_file_id=media_file.pk)
        log.warning("rendition %s:%s of %s is missing", target.backend, target.ref, file_hash)
        return
    media_file = MediaFile.objects.filter(file_hash=file_hash, status=FileStatus.ACTIVE).first()
    if media_file is not None:
        catalog.media_file_set_status(media_file=media_file, status=FileStatus.DEAD)
    log.warning("vault object %s:%s of %s is missing", target.backend, target.ref, file_hash)
    vault_object_missing.send(
        sender=Target, file_hash=file_hash, backend=target.backend, ref=target.ref
    )


class _TargetCache:
    """file_hash → Target for ``VAULT_STREAM_LOOKUP_SECONDS``: a player's burst of range
    requests costs one query. Short, so a takedown or a dead file stops serving quickly."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self.items: OrderedDict[str, tuple[float, Target | None]] = OrderedDict()
        self.present: dict[str, float] = {}

    async def get(self, file_hash: str, *, outside_django: bool = False) -> Target | None:
        ttl = settings.VAULT_STREAM_LOOKUP_SECONDS
        now = time.monotonic()
        hit = self.items.get(file_hash)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        target = await sync_to_async(_target_load)(file_hash, outside_django=outside_django)
        if ttl > 0:
            self.items[file_hash] = (now, target)
            self.items.move_to_end(file_hash)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return target

    def clear(self) -> None:
        self.items.clear()
        self.present.clear()

    def forget(self, file_hashes: list[str]) -> None:
        for file_hash in file_hashes:
            self.items.pop(file_hash, None)
            self.present.pop(file_hash, None)

    def seen_present(self, file_hash: str) -> bool:
        """The bytes were found in the vault within the lookup window (a burst of ranges
        costs one ``stat``)."""
        at = self.present.get(file_hash)
        return at is not None and time.monotonic() - at < settings.VAULT_STREAM_LOOKUP_SECONDS

    def mark_present(self, file_hash: str) -> None:
        self.present[file_hash] = time.monotonic()
        while len(self.present) > self.size:
            self.present.pop(next(iter(self.present)))


targets = _TargetCache()


def targets_forget(file_hashes: list[str]) -> None:
    """Drop these files from this process's lookup cache (a takedown: stop serving at once)."""
    targets.forget(file_hashes)
