"""A browser-playable rendition of a stored file (``rendition`` job, heavy queue): ingest queues
it for every file ``media.playable`` says a browser cannot play as it is, and
``manage.py renditions_make`` for files stored before there were renditions. The steps::

    fetch ─▶ make ─▶ store ─▶ attach ─▶ cleanup

``fetch`` copies the file's bytes out of the vault and checks their SHA-256; ``make`` runs
ffmpeg (a remux, an audio transcode or a full transcode); ``store`` puts the MP4 in the file's
vault backend (content-addressed: a redo stores nothing twice); ``attach`` points the file at
it. ffmpeg failing is final: the file is marked ``failed`` and players keep the original.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog import services as catalog
from catalog.models import MediaFile
from ingest.kinds import JobKind
from ingest.runner import (
    attach_target,
    locked_file,
    open_job,
    own_bytes_fetch,
    repair_file,
    steps_run,
    work_cleanup,
)
from ingest.work import put, work_dir
from jobs.engine import JobContext, PermanentError, job_create
from jobs.models import Job
from media.playable import DIRECT, PlayableError, make_playable, playable_plan

log = logging.getLogger(__name__)


def file_plan(media_file: MediaFile) -> str:
    return playable_plan(
        container=media_file.container,
        video_codec=media_file.video_codec,
        audio_codecs=[media_file.audio_codec] if media_file.audio_codec else [],
    )


def rendition_create(*, media_file_id: int, created_by: Any = None) -> Job | None:
    """Queue the rendition this file needs (None when it plays as it is, or has one already;
    the open job when one is queued). ValidationError: no such file, a taken-down title."""
    with transaction.atomic():
        media_file = locked_file(media_file_id)
        plan = file_plan(media_file)
        if plan == DIRECT:
            catalog.media_file_playable_set(media_file=media_file, playable=DIRECT)
            return None
        if media_file.playable_hash:
            return None
        existing = open_job(JobKind.RENDITION, media_file.pk)
        if existing is not None:
            return existing
        catalog.media_file_playable_set(media_file=media_file, playable=plan)
        return job_create(
            kind=JobKind.RENDITION,
            payload={"media_file_id": media_file.pk, "plan": plan},
            priority=4,
            created_by=created_by,
        )


def _make(ctx: JobContext) -> None:
    out = work_dir(ctx.job.pk) / "playable.mp4"
    try:
        make_playable(Path(ctx.state["source_path"]), ctx.payload["plan"], out)
    except PlayableError as exc:
        media_file = repair_file(ctx)
        if media_file is not None:
            catalog.media_file_playable_set(media_file=media_file, playable="failed")
        raise PermanentError(f"ffmpeg could not make the rendition: {exc}") from exc
    Path(ctx.state["source_path"]).unlink(missing_ok=True)
    ctx.state["playable_path"] = str(out)


def _store(ctx: JobContext) -> None:
    stored = put(
        Path(ctx.state["playable_path"]),
        f"{ctx.state['sha256'][:12]}.playable.mp4",
        backend=ctx.state["backend"],
    )
    ctx.state["playable"] = {
        "hash": stored["sha256"],
        "ref": stored["tagged"],
        "size": stored["size"],
    }


def _attach(ctx: JobContext) -> None:
    """Runs inside the step's transaction (with the step record)."""
    media_file = attach_target(ctx)
    if media_file.file_hash != ctx.state["sha256"]:
        raise PermanentError("the file got other bytes while the job ran (a re-leech?)")
    made = ctx.state["playable"]
    catalog.media_file_playable_set(
        media_file=media_file,
        playable=ctx.payload["plan"],
        playable_hash=made["hash"],
        playable_ref=made["ref"],
        playable_size=made["size"],
    )


def rendition_run(ctx: JobContext) -> dict[str, Any]:
    if repair_file(ctx) is None:
        return {"gone": True}
    steps: list[tuple[str, int, Any]] = [
        ("fetch", 30, own_bytes_fetch),
        ("make", 70, _make),
        ("store", 85, _store),
        ("attach", 95, _attach),
        ("cleanup", 100, work_cleanup),
    ]
    steps_run(ctx, steps)
    return {"media_file_id": ctx.payload["media_file_id"], **ctx.state["playable"]}


def renditions_missing() -> list[int]:
    """Files a browser cannot play that have no rendition and no open job (old files)."""
    files = MediaFile.objects.filter(playable_hash="").exclude(playable__in=[DIRECT, "failed"])
    return list(files.values_list("pk", flat=True))


def renditions_queue(*, media_file_ids: list[int]) -> int:
    queued = 0
    for media_file_id in media_file_ids:
        try:
            queued += rendition_create(media_file_id=media_file_id) is not None
        except ValidationError as exc:
            log.info("no rendition for media file %s: %s", media_file_id, exc)
    return queued
