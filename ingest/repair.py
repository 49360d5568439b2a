"""Repair entry points: new bytes (re-leech) or a fresh storage message (re-copy) for a media
file that already exists — what the medic's repair loop calls (``medic.integrations``).

Both are resumable Jobs on the swarm's job machinery (``jobs.engine``): each step is recorded in
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
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from catalog import services as catalog
from catalog.models import MediaFile
from ingest.attach import tracks_and_screenshots_attach
from ingest.blocked import blocked_hash_check, file_sha256
from ingest.errors import BlockedFileError
from ingest.kinds import JobKind
from ingest.runner import (
    attach_target,
    locked_file,
    open_job,
    repair_file,
    repaired_publish,
    steps_run,
    work_cleanup,
)
from ingest.steps import media, probe, source_url
from ingest.steps.store import store_extras
from ingest.work import probe_result, put
from jobs.engine import JobContext, PermanentError, TransientError, job_create
from jobs.models import Job, JobStatus
from media.names import clean_filename
from swarm.models import Channel
from swarm.storage.vault_entry import message_of

log = logging.getLogger(__name__)


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

    found: list[tuple[int, int]] = []
    if stored := message_of(backend=media_file.backend, ref=media_file.ref):
        found.append(stored)
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


def storage_channel() -> Channel | None:
    return Channel.objects.filter(kind=Channel.Kind.STORAGE, is_active=True).first()


# --- entry points -----------------------------------------------------------------------------


def releech_create(*, media_file_id: int, url: str = "", created_by: Any = None) -> Job:
    """Queue a re-leech of this media file from ``url`` (default: its ``backup_url``, else the
    URL its bytes were ingested from). While one is queued or running for the file, that job is
    returned instead of a second. ValidationError: no such file, a taken-down title, no usable
    URL."""
    with transaction.atomic():
        media_file = locked_file(media_file_id)
        url = (url or media_file.backup_url or media_file_source_url(media_file=media_file)).strip()
        if not url:
            raise ValidationError({"url": "The file has no backup URL and no recorded source."})
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise ValidationError({"url": f"Not an http(s) URL: {url[:200]}"}) from exc
        existing = open_job(JobKind.RELEECH, media_file.pk)
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
        media_file = locked_file(media_file_id)
        sources = media_file_channel_messages(media_file=media_file)
        if not sources:
            raise ValidationError(
                {"media_file_id": "No Telegram message carries this file (it is not in a channel)."}
            )
        if storage_channel() is None:
            raise ValidationError({"channel": "No active storage channel is configured."})
        existing = open_job(JobKind.RECOPY, media_file.pk)
        if existing is not None:
            return existing
        return job_create(
            kind=JobKind.RECOPY,
            payload={"media_file_id": media_file.pk, "sources": [list(s) for s in sources]},
            priority=7,
            created_by=created_by,
        )


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
    media_file = repair_file(ctx)
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
    stored = put(Path(src["path"]), name)
    if stored["sha256"] != sha:
        raise TransientError("the downloaded file changed while it was being stored")
    ctx.state["stored"] = stored
    store_extras(ctx, backend=None)


def _releech_attach(ctx: JobContext) -> None:
    """Runs inside the step's transaction (with the step record)."""
    media_file = attach_target(ctx)
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
            result = probe_result(ctx.state["probe"])
            catalog.media_file_replace(
                media_file=media_file,
                file_hash=ctx.state["sha256"],
                size_bytes=stored["size"],
                backend=stored["backend"],
                ref=stored["ref"],
                tg_raw=stored["tg_raw"],
                **result.media_fields(),
            )
            tracks_and_screenshots_attach(
                media_file=media_file,
                result=result,
                vtt_refs=ctx.state.get("vtt_refs", {}),
                shots=ctx.state.get("shot_refs", {}),
            )
    ctx.state["media_file_id"] = media_file.pk
    ctx.state["title_id"] = media_file.title_id


def _same_bytes_skips(ctx: JobContext) -> set[str]:
    """The same bytes again: nothing to probe or extract."""
    return {"probe", "media"} if ctx.state.get("same_bytes") else set()


def releech_run(ctx: JobContext) -> dict[str, Any]:
    if repair_file(ctx) is None:
        work_cleanup(ctx)
        return {"gone": True}  # the file was removed: nothing to repair
    steps: list[tuple[str, int, Any]] = [
        ("source", 40, source_url.run),
        ("hash", 45, _releech_hash),
        ("probe", 50, probe.run),
        ("media", 65, media.run),
        ("vault", 80, _releech_vault),
        ("attach", 90, _releech_attach),
        ("publish", 95, repaired_publish),
        ("cleanup", 100, work_cleanup),
    ]
    steps_run(ctx, steps, skip=_same_bytes_skips)
    return {
        "media_file_id": ctx.payload["media_file_id"],
        "title_id": ctx.state["title_id"],
        "file_hash": ctx.state["sha256"],
        "same_bytes": ctx.state["same_bytes"],
        "backend": ctx.state["stored"]["backend"],
        "ref": ctx.state["stored"]["ref"],
    }
