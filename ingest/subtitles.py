"""Re-extract the WebVTT of a stored file's text subtitle tracks (``subtitles_rebuild``, heavy
queue): the medic queues it when a track's WebVTT is missing from the vault
(``medic.services.repair``). The steps::

    fetch ─▶ extract ─▶ store ─▶ attach ─▶ publish ─▶ cleanup

``fetch`` copies the file's bytes out of the vault and checks their SHA-256 against the file's
hash; ``store`` puts the WebVTT files (content-addressed: a redo stores nothing twice);
``attach`` points the tracks at them in one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog import services as catalog
from catalog.models import SubtitleTrack
from ingest.kinds import JobKind
from ingest.runner import (
    attach_target,
    locked_file,
    open_job,
    own_bytes_fetch,
    repair_file,
    repaired_publish,
    steps_run,
    work_cleanup,
)
from ingest.steps.store import store_extras
from ingest.work import work_dir
from jobs.engine import JobContext, PermanentError, job_create
from jobs.models import Job
from media.probe import SubtitleStream
from media.subtitles import SubtitleError, extract_vtt


def subtitles_rebuild_create(*, media_file_id: int, created_by: Any = None) -> Job:
    """Queue a re-extraction of this file's WebVTT tracks (the open one when there is one).
    ValidationError: no such file, a taken-down title, no text track."""
    with transaction.atomic():
        media_file = locked_file(media_file_id)
        if not media_file.subtitles.filter(kind=SubtitleTrack.Kind.TEXT).exists():
            raise ValidationError({"media_file_id": "The file has no text subtitle track."})
        existing = open_job(JobKind.SUBTITLES_REBUILD, media_file.pk)
        if existing is not None:
            return existing
        return job_create(
            kind=JobKind.SUBTITLES_REBUILD,
            payload={"media_file_id": media_file.pk},
            priority=6,
            created_by=created_by,
        )


def _extract(ctx: JobContext) -> None:
    tracks = [
        SubtitleStream(
            stream_index=t.stream_index, lang=t.lang, label=t.label, codec=t.codec, kind="text"
        )
        for t in SubtitleTrack.objects.filter(
            media_file_id=ctx.payload["media_file_id"], kind=SubtitleTrack.Kind.TEXT
        )
    ]
    try:
        vtts = extract_vtt(ctx.state["source_path"], tracks, work_dir(ctx.job.pk) / "subs")
    except SubtitleError as exc:
        raise PermanentError(f"ffmpeg could not extract the subtitles: {exc}") from exc
    ctx.state["vtts"] = {str(k): str(v) for k, v in vtts.items()}
    Path(ctx.state["source_path"]).unlink(missing_ok=True)


def _store(ctx: JobContext) -> None:
    store_extras(ctx, backend=None)  # the WebVTT files (no screenshots in ctx.state)


def _attach(ctx: JobContext) -> None:
    """Runs inside the step's transaction (with the step record)."""
    media_file = attach_target(ctx)
    if media_file.file_hash != ctx.state["sha256"]:
        raise PermanentError("the file got other bytes while the job ran (a re-leech?)")
    ctx.state["changed"] = catalog.subtitle_vtts_set(
        media_file=media_file, vtt_refs=ctx.state["vtt_refs"]
    )


def subtitles_rebuild_run(ctx: JobContext) -> dict[str, Any]:
    if repair_file(ctx) is None:
        return {"gone": True}
    steps: list[tuple[str, int, Any]] = [
        ("fetch", 40, own_bytes_fetch),
        ("extract", 70, _extract),
        ("store", 85, _store),
        ("attach", 90, _attach),
        ("publish", 95, repaired_publish),
        ("cleanup", 100, work_cleanup),
    ]
    steps_run(ctx, steps)
    return {
        "media_file_id": ctx.payload["media_file_id"],
        "tracks": sorted(int(k) for k in ctx.state["vtt_refs"]),
        "changed": ctx.state["changed"],
    }
