"""Download packs kept built: when a season's files or a manga's chapters change (an episode
arrives, a file is replaced, dies or is removed — ``core.signals.pack_contents_changed``), a
``pack_build`` job is queued ``PACKS_DELAY_SECONDS`` later for what the pack would hold (its
fingerprint; one open job per fingerprint). A season ingested episode by episode queues one
job per arrival, but only the last one builds: a job whose fingerprint is no longer the
season's steps aside for the newer one. A pack already built from the same files is not built
again. Staff queue the same job at once from the admin and the bot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import ChapterPack, MediaType, SeasonPack, Title
from ingest.kinds import JobKind
from ingest.packs import (
    chapter_pack_build,
    chapters_fingerprint,
    pack_unlink,
    season_fingerprint,
    season_pack_build,
)
from jobs.engine import JobContext, PermanentError, job_create, job_enqueue
from jobs.models import Job, JobStatus

OPEN = (JobStatus.QUEUED, JobStatus.RUNNING)


def _current(title: Title, season: int | None) -> tuple[str, SeasonPack | ChapterPack | None]:
    """(the fingerprint of what the pack would hold now, the pack kept now)."""
    if season is None:
        kept = ChapterPack.objects.filter(manga=title).exclude(fingerprint="").first()
        return chapters_fingerprint(manga=title), kept
    kept = SeasonPack.objects.filter(series=title, season=season).first()
    return season_fingerprint(series=title, season=season), kept


def pack_schedule(
    *, title_id: int, season: int | None, delay: float | None = None, created_by: Any = None
) -> Job | None:
    """Queue the build of a season's pack (``season``) or a manga's pack of every chapter
    (``season=None``) unless it is up to date. ``delay``: seconds to wait for more changes
    (``PACKS_DELAY_SECONDS`` by default). None: nothing to do."""
    title = Title.objects.filter(pk=title_id).first()
    if title is None or title.media_type == MediaType.MOVIE:
        return None
    if (season is None) != (title.media_type == MediaType.MANGA):
        return None
    fingerprint, kept = _current(title, season)
    if (kept.fingerprint if kept else "") == fingerprint:
        return None  # built from these files already (or nothing to pack and no pack)
    delay = settings.PACKS_DELAY_SECONDS if delay is None else delay
    payload = {"title_id": title.pk, "season": season, "fingerprint": fingerprint}
    with transaction.atomic():
        job = (
            Job.objects.select_for_update()
            .filter(
                kind=JobKind.PACK_BUILD,
                status__in=OPEN,
                **{f"payload__{k}": v for k, v in payload.items()},
            )
            .first()
        )
        due = timezone.now() + timedelta(seconds=delay)
        if job is None:
            job = job_create(
                kind=JobKind.PACK_BUILD,
                payload=payload,
                priority=3,
                created_by=created_by,
                enqueue=False,
                scope=f"title:{title.pk}",
            )
        elif job.status != JobStatus.QUEUED or (job.not_before and job.not_before <= due):
            return job  # already queued for these files, as soon or sooner
        Job.objects.filter(pk=job.pk).update(not_before=due)
        job_enqueue(job=job, countdown=delay)
    return job


def packs_schedule_all(*, title: Title, created_by: Any = None) -> list[str]:
    """Queue every pack of a title now (the admin's and the bot's "Build packs"); the names of
    the packs queued."""
    if title.media_type == MediaType.MANGA:
        seasons: list[int | None] = [None]
    elif title.media_type == MediaType.SERIES:
        seasons = sorted(set(title.episodes.values_list("season", flat=True)))
    else:
        return []
    queued = []
    for season in seasons:
        if pack_schedule(title_id=title.pk, season=season, delay=0, created_by=created_by):
            queued.append("every chapter" if season is None else f"season {season}")
    return queued


def pack_build_run(ctx: JobContext) -> dict[str, Any]:
    """The ``pack_build`` job: build the pack if the files are still those it was queued for."""
    title = Title.objects.filter(pk=ctx.payload["title_id"]).first()
    if title is None:
        raise PermanentError("the title was deleted")
    season = ctx.payload["season"]
    fingerprint, kept = _current(title, season)
    if fingerprint != ctx.payload["fingerprint"]:
        return {"skipped": "the files changed since; a newer job builds the pack"}
    if kept is not None and kept.fingerprint == fingerprint:
        return {"skipped": "already built from these files", "pack_id": kept.pk}
    if not fingerprint:
        if kept is not None:
            pack_unlink(pack=kept)
        return {"removed": kept is not None}
    if season is None:
        pack = chapter_pack_build(manga=title)
        return {"pack_id": pack.pk, "chapters": pack.chapters, "size_bytes": pack.size_bytes}
    pack = season_pack_build(series=title, season=season)
    return {"pack_id": pack.pk, "episodes": pack.episodes, "size_bytes": pack.size_bytes}
