"""Ingest a path on this machine (``manage.py ingest_local``): a video runs the same pipeline
as every other source (an ``ingest_local`` job, run here where the file is); a .cbz, a folder
of images or a .zip of images becomes a manga chapter (``ingest.chapters``); an archive of
episodes is unpacked by the pipeline (``ingest.steps.unpack``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog.models import MediaFile, MediaType, Title
from ingest.chapters import chapter_ingest
from ingest.errors import IngestError
from ingest.local_job import ingest_local_create
from ingest.results import IngestResult
from jobs.engine import job_run
from jobs.models import JobStatus
from media.archives import ArchiveError, archive_members, is_archive, video_members

CBZ_SUFFIXES = {".cbz", ".zip"}


def media_ingest(
    *,
    path: str | Path,
    title: Title | None = None,
    season: int | None = None,
    episode: int | None = None,
    quality: str = "",
    backend: str | None = None,
    created_by: Any = None,
) -> IngestResult:
    """Ingest one video file through the pipeline, in this process. With no ``title`` the
    release name picks (or creates) it; a series needs season and episode (from the arguments
    or the name). ``IngestError`` says why a file was refused; nothing is attached then."""
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path} is not a file")
    job = ingest_local_create(
        path=path,
        title_id=title.pk if title is not None else None,
        season=season,
        episode=episode,
        quality=quality,
        backend=backend,
        created_by=created_by,
    )
    status = job_run(job_id=job.pk)
    job.refresh_from_db()
    if status != JobStatus.DONE:
        raise IngestError(f"{path.name}: {job.last_error or status or 'not run'}")
    result = job.state.get("result") or {}
    if "pack" in result:
        ids = [line["title_id"] for line in result["pack"] if line.get("title_id")]
        title = Title.objects.filter(pk__in=ids[:1]).first()
        went_in = any(line["status"] == "ingested" for line in result["pack"])
        return IngestResult(title=title, created=went_in, pack=result["pack"])
    if "duplicate_of_media_file" in result:
        existing = MediaFile.objects.select_related("title").get(
            pk=result["duplicate_of_media_file"]
        )
        return IngestResult(title=existing.title, created=False, media_file=existing)
    media_file = MediaFile.objects.select_related("title").get(pk=result["media_file_id"])
    return IngestResult(title=media_file.title, created=True, media_file=media_file)


def _holds_videos(path: Path) -> bool:
    try:
        return is_archive(path) and bool(video_members(archive_members(path)))
    except ArchiveError:
        return False  # the chapter path says what is wrong with it


def path_ingest(
    *,
    path: str | Path,
    title: Title | None = None,
    season: int | None = None,
    episode: int | None = None,
    chapter: Decimal | float | int | str | None = None,
    backend: str | None = None,
) -> IngestResult:
    """Dispatch on what ``path`` is: a folder, a .cbz or a .zip of images → a chapter; anything
    else (a video, an archive of episodes) → the pipeline."""
    path = Path(path)
    is_manga = path.is_dir() or path.suffix.lower() == ".cbz"
    is_manga = is_manga or (path.suffix.lower() in CBZ_SUFFIXES and not _holds_videos(path))
    if is_manga or (title is not None and title.media_type == MediaType.MANGA):
        if title is not None and title.media_type != MediaType.MANGA:
            raise IngestError(f"{title} is a {title.media_type}; chapters go to a manga")
        return chapter_ingest(path=path, manga=title, number=chapter, backend=backend)
    return media_ingest(path=path, title=title, season=season, episode=episode, backend=backend)
