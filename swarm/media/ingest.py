"""Ingest services: a local file (video, CBZ, folder of images) → vault objects → catalog rows.

Order, so a failure never leaves anything half-attached: hash → blocked-hash check → duplicate
check → probe → subtitles and screenshots (temporary files) → vault puts → one database
transaction that attaches everything through ``catalog.services``. Vault puts happen outside
the transaction (never hold a transaction across Telegram or disk I/O); an object orphaned by
a failed transaction is content-addressed and harmless.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog import services as catalog
from catalog.models import (
    Chapter,
    ChapterPack,
    Episode,
    MediaFile,
    MediaType,
    SeasonPack,
    Title,
    TitleStatus,
)
from catalog.text import clean_title
from swarm.models import AdminAlert, BlockedAttempt, BlockedHash
from swarm.signals import admin_alert
from swarm.vault import CHUNK, StoredFile, get_backend

from .cbz import CbzError, folder_to_cbz, page_index
from .names import clean_filename, parse_release
from .packs import PackMember, build_stored_zip
from .probe import ProbeError, ProbeResult, probe
from .screenshots import ScreenshotError, take_screenshots
from .subtitles import SubtitleError, extract_vtt

log = logging.getLogger(__name__)

CBZ_SUFFIXES = {".cbz", ".zip"}


class IngestError(Exception):
    """The file cannot be ingested; the message says why (ffprobe's reason, a bad archive …)."""


class BlockedFileError(IngestError):
    def __init__(self, sha256: str, reason: str) -> None:
        super().__init__(f"file {sha256[:16]}… is blocked: {reason or 'no reason given'}")
        self.sha256 = sha256
        self.reason = reason


@dataclass(frozen=True)
class IngestResult:
    title: Title
    created: bool
    media_file: MediaFile | None = None
    chapter: Chapter | None = None


# --- hashes -----------------------------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def blocked_hash_add(*, sha256: str, reason: str = "") -> BlockedHash:
    sha256 = sha256.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationError({"sha256": "A SHA-256 is 64 hexadecimal characters."})
    blocked, _ = BlockedHash.objects.update_or_create(sha256=sha256, defaults={"reason": reason})
    return blocked


@transaction.atomic
def admin_alert_raise(*, kind: str, message: str, payload: dict[str, Any]) -> AdminAlert:
    """Record an alert; listeners of ``swarm.signals.admin_alert`` get it after commit."""
    alert = AdminAlert.objects.create(kind=kind, message=message, payload=payload)
    transaction.on_commit(lambda: admin_alert.send(sender=AdminAlert, alert=alert))
    return alert


def blocked_hash_check(*, sha256: str, source: str, size_bytes: int = 0) -> None:
    """Raise BlockedFileError (after recording the attempt and alerting the admins) when the
    hash is blocked; return quietly otherwise."""
    blocked = BlockedHash.objects.filter(sha256=sha256).first()
    if blocked is None:
        return
    with transaction.atomic():
        BlockedAttempt.objects.create(blocked=blocked, source=source[:500], size_bytes=size_bytes)
        admin_alert_raise(
            kind=AdminAlert.Kind.BLOCKED_HASH,
            message=f"Blocked file dropped at ingest: {Path(source).name} ({sha256[:16]}…)",
            payload={"sha256": sha256, "source": source, "reason": blocked.reason},
        )
    raise BlockedFileError(sha256, blocked.reason)


# --- titles -----------------------------------------------------------------------------------


def _title_for(*, media_type: str, name: str, year: int | None) -> Title:
    """The title a parsed release name belongs to: an existing one with the same clean title
    (and year, when both have one), else a new available title."""
    if not name:
        raise IngestError("could not read a title from the file name; pass --title")
    candidates = Title.objects.filter(media_type=media_type, clean_title=clean_title(name))
    if year:
        exact = candidates.filter(year=year).first()
        if exact is not None:
            return exact
        candidates = candidates.filter(year__isnull=True)
    found = candidates.order_by("id").first()
    if found is not None:
        return found
    return catalog.title_create(
        media_type=media_type, title=name, year=year, status=TitleStatus.AVAILABLE
    )


def tagged_ref(stored: StoredFile) -> str:
    """A ref for a field with no backend column (SubtitleTrack.vtt_ref): local refs as they
    are, others as ``<backend>:<ref>``."""
    return stored.ref if stored.backend == "local" else f"{stored.backend}:{stored.ref}"


def _put(backend_name: str, path: Path, file_name: str) -> StoredFile:
    return async_to_sync(get_backend(backend_name).put)(path, file_name=file_name)


def _label(result: ProbeResult, quality: str) -> str:
    parts = [quality]
    if result.hdr:
        parts.append("HDR")
    if result.video_codec in {"hevc", "av1"}:
        parts.append(result.video_codec.upper())
    return " ".join(p for p in parts if p)


# --- video ------------------------------------------------------------------------------------


def media_ingest(
    *,
    path: str | Path,
    title: Title | None = None,
    season: int | None = None,
    episode: int | None = None,
    quality: str = "",
    backend: str = "local",
    screenshot_positions: list[int] | None = None,
) -> IngestResult:
    """Ingest one video file. With no ``title`` the release name picks (or creates) it; a
    series needs season and episode (from the arguments or the name)."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path} is not a file")
    size = path.stat().st_size
    sha256 = file_sha256(path)
    blocked_hash_check(sha256=sha256, source=str(path), size_bytes=size)

    existing = MediaFile.objects.select_related("title").filter(file_hash=sha256).first()
    if existing is not None:
        return IngestResult(title=existing.title, created=False, media_file=existing)

    try:
        probed = probe(path)
    except ProbeError as exc:
        raise IngestError(f"{path.name}: {exc}") from exc

    release = parse_release(path.name)
    season = season if season is not None else release.season
    episode = episode if episode is not None else release.episode
    if (
        title is not None
        and title.media_type == MediaType.SERIES
        and (season is None or episode is None)
    ):
        raise IngestError("a series file needs --season and --episode")
    if title is not None and title.media_type == MediaType.MANGA:
        raise IngestError(f"{title} is a manga: ingest a .cbz or a folder of images")
    quality = quality or probed.quality or release.quality or "SD"
    positions = screenshot_positions or list(settings.VAULT_SCREENSHOT_POSITIONS)

    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        try:
            vtts = extract_vtt(path, probed.subtitles, Path(tmp) / "subs")
            shots = (
                take_screenshots(
                    path, duration=probed.duration, positions=positions, out_dir=Path(tmp) / "shots"
                )
                if probed.duration
                else {}
            )
        except (SubtitleError, ScreenshotError) as exc:
            raise IngestError(f"{path.name}: {exc}") from exc

        name = clean_filename(
            title=title.title if title else release.title,
            year=(title.year if title else release.year),
            quality=quality,
            ext=probed.container if probed.container != "matroska" else "mkv",
            season=season if episode is not None else None,
            episode=episode,
        )
        stored = _put(backend, path, name)
        if stored.sha256 != sha256:
            raise IngestError(f"{path.name} changed while it was being ingested")
        vtt_refs = {
            index: tagged_ref(_put(backend, vtt, f"{sha256[:12]}.{index}.vtt"))
            for index, vtt in vtts.items()
        }
        shot_refs = {
            pos: _put(backend, jpg, f"{sha256[:12]}.{pos}.jpg").ref for pos, jpg in shots.items()
        }

    try:
        with transaction.atomic(), catalog.documents_deferred():
            if title is None:
                media_type = MediaType.SERIES if episode is not None else MediaType.MOVIE
                title = _title_for(media_type=media_type, name=release.title, year=release.year)
            episode_obj: Episode | None = None
            if title.media_type == MediaType.SERIES:
                if season is None or episode is None:
                    raise IngestError("a series file needs --season and --episode")
                episode_obj = catalog.episode_add(series=title, season=season, number=episode)
            media_file = catalog.media_file_add(
                title=title,
                episode=episode_obj,
                quality=quality,
                label=_label(probed, quality),
                file_hash=sha256,
                size_bytes=stored.size,
                backend=stored.backend,
                ref=stored.ref,
                tg_raw=stored.tg_raw,
                **probed.media_fields(),
            )
            catalog.subtitle_tracks_set(
                media_file=media_file,
                tracks=[
                    {
                        "stream_index": t.stream_index,
                        "lang": t.lang,
                        "label": t.label,
                        "codec": t.codec,
                        "kind": t.kind,
                        "vtt_ref": vtt_refs.get(t.stream_index, ""),
                    }
                    for t in probed.subtitles
                ],
            )
            for pos, ref in sorted(shot_refs.items()):
                catalog.screenshot_add(
                    title=title, media_file=media_file, ref=ref, position=pos, backend=backend
                )
    except ValidationError as exc:
        raced = MediaFile.objects.select_related("title").filter(file_hash=sha256).first()
        if raced is not None:  # another ingest of the same bytes won the race
            return IngestResult(title=raced.title, created=False, media_file=raced)
        raise IngestError(_validation_message(exc)) from exc
    log.info("ingested %s as %s (%s)", path.name, media_file.file_hash[:12], title.short_id)
    return IngestResult(title=title, created=True, media_file=media_file)


def _validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


# --- manga ------------------------------------------------------------------------------------

_CHAPTER_RE = re.compile(r"(?:ch(?:apter)?|c)[\s._-]*(\d+(?:\.\d+)?)", re.IGNORECASE)
_LAST_NUMBER_RE = re.compile(r"(\d+(?:\.\d+)?)(?!.*\d)")


def chapter_number_from_name(name: str) -> Decimal | None:
    match = _CHAPTER_RE.search(name) or _LAST_NUMBER_RE.search(name)
    if not match:
        return None
    try:
        return Decimal(match.group(1))
    except InvalidOperation:
        return None


def _manga_name(stem: str) -> str:
    cut = _CHAPTER_RE.search(stem)
    name = stem[: cut.start()] if cut else _LAST_NUMBER_RE.sub("", stem)
    return re.sub(r"[\s._\-\[\]()]+", " ", name).strip()


def chapter_ingest(
    *,
    path: str | Path,
    manga: Title | None = None,
    number: Decimal | float | int | str | None = None,
    name: str = "",
    backend: str = "local",
) -> IngestResult:
    """Ingest a .cbz, or a folder of images (made into a stored CBZ), as one chapter."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        if path.is_dir():
            try:
                cbz = folder_to_cbz(path, Path(tmp) / f"{path.name}.cbz")
            except CbzError as exc:
                raise IngestError(str(exc)) from exc
        elif path.is_file():
            cbz = path
        else:
            raise IngestError(f"{path} does not exist")
        size = cbz.stat().st_size
        sha256 = file_sha256(cbz)
        blocked_hash_check(sha256=sha256, source=str(path), size_bytes=size)
        try:
            pages = page_index(cbz)
        except CbzError as exc:
            raise IngestError(str(exc)) from exc
        if number is None:
            number = chapter_number_from_name(path.stem)
            if number is None:
                raise IngestError(f"no chapter number in {path.name!r}; pass --chapter")
        stored = _put(backend, cbz, f"{sha256[:12]}.cbz")
    try:
        with transaction.atomic(), catalog.documents_deferred():
            if manga is None:
                manga = _title_for(
                    media_type=MediaType.MANGA, name=_manga_name(path.stem), year=None
                )
            chapter = catalog.chapter_add(
                manga=manga,
                number=number,
                name=name,
                backend=stored.backend,
                ref=stored.ref,
                pages=pages,
            )
    except ValidationError as exc:
        raise IngestError(_validation_message(exc)) from exc
    return IngestResult(title=manga, created=True, chapter=chapter)


def path_ingest(
    *,
    path: str | Path,
    title: Title | None = None,
    season: int | None = None,
    episode: int | None = None,
    chapter: Decimal | float | int | str | None = None,
    backend: str = "local",
) -> IngestResult:
    """Dispatch on what ``path`` is: a folder or a .cbz → a chapter, anything else → video."""
    path = Path(path)
    is_manga = path.is_dir() or path.suffix.lower() in CBZ_SUFFIXES
    if is_manga or (title is not None and title.media_type == MediaType.MANGA):
        if title is not None and title.media_type != MediaType.MANGA:
            raise IngestError(f"{title} is a {title.media_type}; chapters go to a manga")
        return chapter_ingest(path=path, manga=title, number=chapter, backend=backend)
    return media_ingest(path=path, title=title, season=season, episode=episode, backend=backend)


# --- packs ------------------------------------------------------------------------------------


def season_pack_build(*, series: Title, season: int, backend: str = "local") -> SeasonPack:
    """Zip (stored) the best file of every episode of the season and link it as SeasonPack."""
    episodes = list(Episode.objects.filter(series=series, season=season).prefetch_related("files"))
    members: list[PackMember] = []
    numbers: list[int] = []
    for ep in episodes:
        files = [f for f in ep.files.all() if f.status == "active"]
        if not files:
            continue
        best = max(files, key=lambda f: (f.height or 0, f.size_bytes))
        arcname = clean_filename(
            title=series.title,
            quality=best.quality,
            ext=best.container or "mkv",
            season=season,
            episode=ep.number,
        )
        members.append(PackMember(arcname, get_backend(best.backend), best.ref))
        numbers.append(ep.number)
    if not members:
        raise IngestError(f"season {season} of {series} has no files to pack")
    stored = _pack(members, backend, clean_filename(title=series.title, season=season, ext="zip"))
    return catalog.season_pack_set(
        series=series,
        season=season,
        backend=stored.backend,
        ref=stored.ref,
        size_bytes=stored.size,
        episodes=numbers,
    )


def chapter_pack_build(
    *, manga: Title, chapters: list[Decimal] | None = None, backend: str = "local"
) -> ChapterPack:
    """Zip (stored) the CBZ of the given chapters (all by default) and link it."""
    qs = Chapter.objects.filter(manga=manga).order_by("number")
    if chapters is not None:
        qs = qs.filter(number__in=[Decimal(str(n)) for n in chapters])
    rows = list(qs)
    if not rows:
        raise IngestError(f"{manga} has no chapters to pack")
    members = [
        PackMember(
            clean_filename(title=f"{manga.title} - Chapter {ch.number.normalize():f}", ext="cbz"),
            get_backend(ch.backend),
            ch.ref,
        )
        for ch in rows
    ]
    stored = _pack(members, backend, f"{manga.title} chapters.zip")
    return catalog.chapter_pack_set(
        manga=manga,
        chapters=[ch.number for ch in rows],
        backend=stored.backend,
        ref=stored.ref,
        size_bytes=stored.size,
    )


def _pack(members: list[PackMember], backend: str, file_name: str) -> StoredFile:
    with tempfile.TemporaryDirectory(prefix="pack-") as tmp:
        out = Path(tmp) / "pack.zip"
        async_to_sync(build_stored_zip)(members, out)
        return _put(backend, out, file_name)
