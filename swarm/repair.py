"""Repair entry points: new bytes (re-leech) or a fresh storage message (re-copy) for a media
file that already exists — what the medic's repair loop calls (``medic.integrations``).

Both are resumable Jobs on the swarm's job machinery (``swarm.jobs``): each step is recorded in
``steps_done`` and skipped on a re-run, the catalog write is one atomic step recorded in the
same transaction, and Telegram/HTTP calls happen outside any transaction.

Re-leech (``releech``, heavy queue)::

    source (leech) ─▶ hash (blocked? same bytes?) ─▶ probe ─▶ media ─▶ vault ─▶ attach
        ─▶ publish ─▶ cleanup

- ``attach`` calls ``catalog.services.media_file_replace`` on the EXISTING MediaFile (the
  quality bucket keeps its id, title, episode, quality, mirrors and backup URL; its hash, size,
  location, probe fields, subtitle tracks and screenshots are those of the new bytes). The
  ingest's ``media_file_add`` would refuse: the file is already in the catalog.
- The same bytes (``sha256 == file_hash``): probe and media are skipped, the bytes are put in
  the vault again and the file points there (``media_file_relocate``) and is active.
- Bytes that another MediaFile already has, a blocked hash, a non-video: failed, nothing
  changed.

Re-copy (``recopy``, telegram queue)::

    copy ─▶ verify ─▶ attach ─▶ publish ─▶ cleanup

- ``copy``: the file's message is copied into the storage channel through a leased ingest
  account — from its current storage message, else from the message it was indexed from (a
  forward's origin, which may be a quarantine channel), in that order; a source that is gone is
  skipped.
- ``verify``: the copy is downloaded once and its SHA-256 must be the file's ``file_hash`` (the
  streaming cache key must keep naming the same bytes; a source whose media was edited is
  refused). ``FORWARD_MAX_BYTES`` bounds it, as for a forward.
- ``attach``: ``media_file_relocate`` → ``backend=telegram``, ``ref=chat:message`` of the copy,
  the ``tg_raw`` the account saw; the file is active.

``publish`` (both): the catalog services already rebuilt the title's document; a title the
medic set ``repairing`` becomes ``available`` again once none of its files is dead.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from catalog import services as catalog
from catalog.models import FileStatus, MediaFile, Title, TitleStatus

from .jobs import JobContext, PermanentError, TransientError, job_create
from .media.ingest import BlockedFileError, blocked_hash_check, file_sha256
from .media.names import clean_filename
from .models import Channel, Job, JobKind, JobStatus, WorkerRole

log = logging.getLogger(__name__)

OPEN = (JobStatus.QUEUED, JobStatus.RUNNING)


# --- where a file came from -------------------------------------------------------------------


def media_file_source_url(*, media_file: MediaFile) -> str:
    """The URL the file's bytes were last downloaded from: the URL of the newest successful
    re-leech or URL ingest that attached them (recorded on that Job: ``payload.url`` and
    ``state.media_file_id``), or "" (a forwarded or hand-made file)."""
    for kind in (JobKind.RELEECH, JobKind.INGEST_URL):
        url = (
            Job.objects.filter(kind=kind, status=JobStatus.DONE)
            .filter(state__media_file_id=media_file.pk)
            .order_by("-id")
            .values_list("payload__url", flat=True)
            .first()
        )
        if url:
            return str(url)
    return ""


def media_file_channel_messages(*, media_file: MediaFile) -> list[tuple[int, int]]:
    """Telegram messages that carry the file, best first: its storage message (``ref`` of a
    ``telegram`` file), then the message it was indexed from (the forward job's copy and its
    origin)."""
    from .vault.telegram import REF_RE

    found: list[tuple[int, int]] = []
    if media_file.backend == "telegram" and (m := REF_RE.match(media_file.ref or "")):
        found.append((int(m.group(1)), int(m.group(2))))
    raw = media_file.tg_raw or {}
    if raw.get("chat_id") and raw.get("message_id"):
        found.append((int(raw["chat_id"]), int(raw["message_id"])))
    jobs = (
        Job.objects.filter(kind=JobKind.INGEST_FORWARD, status=JobStatus.DONE)
        .filter(state__media_file_id=media_file.pk)
        .order_by("-id")
        .values_list("payload", "state")[:3]
    )
    for payload, state in jobs:
        copied = (state or {}).get("copied") or {}
        if copied.get("chat_id") and copied.get("message_id"):
            found.append((int(copied["chat_id"]), int(copied["message_id"])))
        if payload.get("chat_id") and payload.get("message_id"):
            found.append((int(payload["chat_id"]), int(payload["message_id"])))
    return list(dict.fromkeys(found))


def _storage_channel() -> Channel | None:
    return Channel.objects.filter(kind=Channel.Kind.STORAGE, is_active=True).first()


def _locked_file(media_file_id: int) -> MediaFile:
    media_file = (
        MediaFile.objects.select_for_update(of=("self",))
        .select_related("title")
        .filter(pk=media_file_id)
        .first()
    )
    if media_file is None:
        raise ValidationError({"media_file_id": f"No media file {media_file_id}."})
    if media_file.title.status == TitleStatus.BANNED:
        raise ValidationError({"media_file_id": "The title was taken down; nothing is repaired."})
    return media_file


def _open_job(kind: str, media_file_id: int) -> Job | None:
    return (
        Job.objects.filter(kind=kind, status__in=OPEN, payload__media_file_id=media_file_id)
        .order_by("id")
        .first()
    )


# --- entry points -----------------------------------------------------------------------------


def releech_create(*, media_file_id: int, url: str = "", created_by: Any = None) -> Job:
    """Queue a re-leech of this media file from ``url`` (default: its ``backup_url``, else the
    URL its bytes were ingested from). While one is queued or running for the file, that job is
    returned instead of a second. ValidationError: no such file, a taken-down title, no usable
    URL."""
    with transaction.atomic():
        media_file = _locked_file(media_file_id)
        url = (url or media_file.backup_url or media_file_source_url(media_file=media_file)).strip()
        if not url:
            raise ValidationError({"url": "The file has no backup URL and no recorded source."})
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise ValidationError({"url": f"Not an http(s) URL: {url[:200]}"}) from exc
        existing = _open_job(JobKind.RELEECH, media_file.pk)
        if existing is not None:
            return existing
        return job_create(
            kind=JobKind.RELEECH,
            payload={"media_file_id": media_file.pk, "url": url},
            priority=7,
            created_by=created_by,
        )


def recopy_create(*, media_file_id: int, created_by: Any = None) -> Job:
    """Queue a re-copy of this media file's Telegram message into the storage channel. While
    one is queued or running for the file, that job is returned. ValidationError: no such file,
    a taken-down title, no message carries the file, no storage channel."""
    with transaction.atomic():
        media_file = _locked_file(media_file_id)
        sources = media_file_channel_messages(media_file=media_file)
        if not sources:
            raise ValidationError(
                {"media_file_id": "No Telegram message carries this file (it is not in a channel)."}
            )
        if _storage_channel() is None:
            raise ValidationError({"channel": "No active storage channel is configured."})
        existing = _open_job(JobKind.RECOPY, media_file.pk)
        if existing is not None:
            return existing
        return job_create(
            kind=JobKind.RECOPY,
            payload={"media_file_id": media_file.pk, "sources": [list(s) for s in sources]},
            priority=7,
            created_by=created_by,
        )


# --- shared steps ------------------------------------------------------------------------------


def _file(ctx: JobContext) -> MediaFile | None:
    return (
        MediaFile.objects.select_related("title", "episode")
        .filter(pk=ctx.payload["media_file_id"])
        .first()
    )


def _attach_target(ctx: JobContext) -> MediaFile:
    """The file, locked for the attach transaction (re-checked: it may have changed while the
    download ran)."""
    media_file = (
        MediaFile.objects.select_for_update(of=("self",))
        .select_related("title")
        .filter(pk=ctx.payload["media_file_id"])
        .first()
    )
    if media_file is None:
        raise PermanentError("the media file was deleted while the job ran")
    if media_file.title.status == TitleStatus.BANNED:
        raise PermanentError("the title was taken down while the job ran")
    return media_file


def _publish(ctx: JobContext) -> None:
    media_file = MediaFile.objects.filter(pk=ctx.payload["media_file_id"]).first()
    if media_file is None:
        return
    title = Title.objects.get(pk=media_file.title_id)
    if (
        title.status == TitleStatus.REPAIRING
        and not MediaFile.objects.filter(title=title, status=FileStatus.DEAD).exists()
    ):
        catalog.title_set_status(title=title, status=TitleStatus.AVAILABLE)
    ctx.state["title_status"] = Title.objects.values_list("status", flat=True).get(pk=title.pk)


def _cleanup(ctx: JobContext) -> None:
    from .pipeline import work_dir

    shutil.rmtree(work_dir(ctx.job.pk), ignore_errors=True)


def _run(ctx: JobContext, steps: list[tuple[str, int, Any]], skip: set[str]) -> None:
    for name, progress, fn in steps:
        if ctx.done(name) or name in skip:
            continue
        with ctx.step(name, progress=progress, atomic=name == "attach"):
            fn(ctx)


# --- re-leech ----------------------------------------------------------------------------------


def _releech_hash(ctx: JobContext) -> None:
    src = ctx.state["source"]
    sha256 = file_sha256(src["path"])
    try:
        blocked_hash_check(sha256=sha256, source=src["origin"], size_bytes=src["size"])
    except BlockedFileError as exc:
        Path(src["path"]).unlink(missing_ok=True)
        raise PermanentError(str(exc)) from exc
    media_file_id = ctx.payload["media_file_id"]
    other = MediaFile.objects.filter(file_hash=sha256).exclude(pk=media_file_id).first()
    if other is not None:
        raise PermanentError(
            f"the downloaded bytes are already in the catalog as media file {other.pk}"
        )
    current = MediaFile.objects.filter(pk=media_file_id).values_list("file_hash", flat=True)
    ctx.state["sha256"] = sha256
    ctx.state["same_bytes"] = current.first() == sha256


def _releech_vault(ctx: JobContext) -> None:
    from .pipeline import _put

    media_file = _file(ctx)
    if media_file is None:
        raise PermanentError("the media file was deleted while the job ran")
    src, sha = ctx.state["source"], ctx.state["sha256"]
    title = media_file.title
    container = (ctx.state.get("probe") or {}).get("container") or media_file.container
    name = clean_filename(
        title=title.title,
        year=title.year,
        quality=media_file.quality,
        ext=container or Path(src["file_name"]).suffix.lstrip(".") or "mkv",
        season=media_file.episode.season if media_file.episode else None,
        episode=media_file.episode.number if media_file.episode else None,
    )
    stored = _put(Path(src["path"]), name)
    if stored["sha256"] != sha:
        raise TransientError("the downloaded file changed while it was being stored")
    ctx.state["stored"] = stored
    ctx.state["vtt_refs"] = {
        k: _put(Path(p), f"{sha[:12]}.{k}.vtt")["ref"]
        for k, p in (ctx.state.get("vtts") or {}).items()
    }
    ctx.state["shot_refs"] = {
        k: _put(Path(p), f"{sha[:12]}.{k}.jpg")["ref"]
        for k, p in (ctx.state.get("shots") or {}).items()
    }


def _releech_attach(ctx: JobContext) -> None:
    """Runs inside the step's transaction (with the step record)."""
    from .pipeline import _probe_result, attach_tracks_and_screenshots

    media_file = _attach_target(ctx)
    stored = ctx.state["stored"]
    with catalog.documents_deferred():
        if ctx.state["same_bytes"] or media_file.file_hash == ctx.state["sha256"]:
            catalog.media_file_relocate(
                media_file=media_file,
                backend=stored["backend"],
                ref=stored["ref"],
                tg_raw=stored["tg_raw"],
            )
        else:
            result = _probe_result(ctx.state["probe"])
            catalog.media_file_replace(
                media_file=media_file,
                file_hash=ctx.state["sha256"],
                size_bytes=stored["size"],
                backend=stored["backend"],
                ref=stored["ref"],
                tg_raw=stored["tg_raw"],
                **result.media_fields(),
            )
            attach_tracks_and_screenshots(ctx, media_file=media_file, result=result)
    ctx.state["media_file_id"] = media_file.pk
    ctx.state["title_id"] = media_file.title_id


def releech_run(ctx: JobContext) -> dict[str, Any]:
    from .pipeline import _media, _probe, _source_url

    if _file(ctx) is None:
        _cleanup(ctx)
        return {"gone": True}  # the file was removed: nothing to repair
    steps: list[tuple[str, int, Any]] = [
        ("source", 40, _source_url),
        ("hash", 45, _releech_hash),
        ("probe", 50, _probe),
        ("media", 65, _media),
        ("vault", 80, _releech_vault),
        ("attach", 90, _releech_attach),
        ("publish", 95, _publish),
        ("cleanup", 100, _cleanup),
    ]
    try:
        _run(ctx, steps[:2], skip=set())
        skip = {"probe", "media"} if ctx.state.get("same_bytes") else set()
        _run(ctx, steps[2:], skip=skip)
    except PermanentError:
        _cleanup(ctx)  # nothing to resume: drop the download
        raise
    return {
        "media_file_id": ctx.payload["media_file_id"],
        "title_id": ctx.state["title_id"],
        "file_hash": ctx.state["sha256"],
        "same_bytes": ctx.state["same_bytes"],
        "backend": ctx.state["stored"]["backend"],
        "ref": ctx.state["stored"]["ref"],
    }


# --- re-copy -----------------------------------------------------------------------------------


def _recopy_copy(ctx: JobContext) -> None:
    from .telegram.gateway import SessionRevoked, TelegramError
    from .telegram.runtime import telegram_call

    storage = _storage_channel()
    if storage is None:
        raise PermanentError("no active storage channel is configured")
    sources = [tuple(s) for s in ctx.payload["sources"]]

    async def copy_first(gw, worker_id: int) -> dict[str, Any]:
        # A source that is gone is not the account's fault: try the next one. A flood wait or
        # a revoked session is, and goes up to telegram_call.
        errors: list[str] = []
        for chat_id, message_id in sources:
            try:
                new_id = await gw.copy_message(worker_id, chat_id, message_id, storage.chat_id)
            except SessionRevoked:
                raise
            except TelegramError as exc:
                errors.append(f"{chat_id}/{message_id}: {exc}")
                continue
            return {
                "chat_id": storage.chat_id,
                "message_id": new_id,
                "source": [chat_id, message_id],
            }
        return {"errors": errors}

    copied = telegram_call(
        role=WorkerRole.INGEST,
        task=f"job {ctx.job.pk}: re-copy to storage",
        op=copy_first,
        on_worker=ctx.set_worker,
    )
    if "errors" in copied:
        raise PermanentError(
            "no message carrying the file could be copied: " + "; ".join(copied["errors"])[:1500]
        )
    ctx.state["copied"] = copied


def _recopy_verify(ctx: JobContext) -> None:
    from .pipeline import work_dir
    from .telegram.runtime import telegram_call

    media_file = _file(ctx)
    if media_file is None:
        raise PermanentError("the media file was deleted while the job ran")
    if media_file.size_bytes > settings.FORWARD_MAX_BYTES:
        raise PermanentError(f"file of {media_file.size_bytes} bytes is over FORWARD_MAX_BYTES")
    chat_id, message_id = ctx.state["copied"]["chat_id"], ctx.state["copied"]["message_id"]
    dest = work_dir(ctx.job.pk) / "copy.bin"
    info = telegram_call(
        role=WorkerRole.INGEST,
        task=f"job {ctx.job.pk}: verify {chat_id}/{message_id}",
        op=lambda gw, wid: gw.download(wid, chat_id, message_id, dest),
        on_worker=ctx.set_worker,
    )
    sha256 = file_sha256(dest)
    try:
        blocked_hash_check(
            sha256=sha256, source=f"tg:{chat_id}/{message_id}", size_bytes=dest.stat().st_size
        )
    except BlockedFileError as exc:
        raise PermanentError(str(exc)) from exc
    if sha256 != media_file.file_hash:
        raise PermanentError(
            f"the copied message carries other bytes ({sha256[:16]}… is not the file's "
            f"{media_file.file_hash[:16]}…)"
        )
    ctx.state["sha256"] = sha256
    ctx.state["tg_raw"] = info["tg_raw"]
    dest.unlink(missing_ok=True)


def _recopy_attach(ctx: JobContext) -> None:
    """Runs inside the step's transaction (with the step record)."""
    media_file = _attach_target(ctx)
    if media_file.file_hash != ctx.state["sha256"]:
        raise PermanentError("the file got other bytes while the job ran (a re-leech?)")
    copied = ctx.state["copied"]
    catalog.media_file_relocate(
        media_file=media_file,
        backend="telegram",
        ref=f"{copied['chat_id']}:{copied['message_id']}",
        tg_raw=ctx.state["tg_raw"],
    )
    ctx.state["title_id"] = media_file.title_id


def recopy_run(ctx: JobContext) -> dict[str, Any]:
    if _file(ctx) is None:
        return {"gone": True}
    steps: list[tuple[str, int, Any]] = [
        ("copy", 40, _recopy_copy),
        ("verify", 80, _recopy_verify),
        ("attach", 90, _recopy_attach),
        ("publish", 95, _publish),
        ("cleanup", 100, _cleanup),
    ]
    try:
        _run(ctx, steps, skip=set())
    except PermanentError:
        _cleanup(ctx)
        raise
    copied = ctx.state["copied"]
    return {
        "media_file_id": ctx.payload["media_file_id"],
        "title_id": ctx.state["title_id"],
        "ref": f"{copied['chat_id']}:{copied['message_id']}",
        "copied_from": copied["source"],
    }
