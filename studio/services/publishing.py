"""Publishing: a finished episode becomes an episode of the project's series in the catalog,
through the same ingest pipeline as every file (vault, probe, WebVTT from its subtitles,
screenshots, a browser rendition when needed), so it plays on the site and is taken down,
reported and repaired like any title. The first publish makes the series; publishing again
replaces the episode's file. The project knows its series and each episode its catalog
episode, and the other way round."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog import services as catalog
from catalog.models import MediaFile, MediaType, Title, TitleStatus
from core.audit import audit_record
from ingest.local import media_ingest
from jobs.engine import PermanentError, job_create
from jobs.models import Job

from ..errors import Conflict
from ..models import Episode, Project
from .media import media_fetch

KIND = "studio_publish"


def episode_publish(*, actor: Any, episode: Episode) -> Job:
    """Queue the publication of the episode's final video (a durable job on the heavy queue).
    Refused while the episode has no final video."""
    if episode.final_video_id is None:
        raise Conflict(
            f"Episode {episode.episode_number} has no final video yet: produce it first."
        )
    job = job_create(
        kind=KIND,
        payload={"episode": episode.pk, "video": episode.final_video_id},
        created_by=actor if getattr(actor, "pk", None) else None,
        scope=f"studio-project:{episode.project_id}",
    )
    audit_record(
        actor=actor,
        action="studio_episode_publish",
        target=episode,
        after={"video": episode.final_video_id, "job": job.pk},
    )
    return job


def _series(project: Project) -> Title:
    if project.catalog_title_id is not None:
        return project.catalog_title
    title = catalog.title_create(
        media_type=MediaType.SERIES,
        title=project.title,
        year=timezone.now().year,
        overview=project.description,
        genres=[project.genre.replace("-", " ").title()],
        status=TitleStatus.PROCESSING,
    )
    Project.objects.filter(pk=project.pk).update(catalog_title=title)
    return title


def episode_publish_run(*, episode_id: int, work: Path) -> dict[str, Any]:
    """The job's work: the series, the file ingested as its episode, earlier files of that
    episode removed, the links kept. Idempotent: the same bytes again attach nothing new."""
    episode = Episode.objects.select_related("project__catalog_title", "final_video").get(
        pk=episode_id
    )
    if episode.final_video is None:
        raise PermanentError("the episode has no final video")
    project = episode.project
    title = _series(project)
    path = media_fetch(
        media=episode.final_video,
        dest=work / f"{project.title} S01E{episode.episode_number:02d}.mp4",
    )
    result = media_ingest(
        path=path,
        title=title,
        season=1,
        episode=episode.episode_number,
        backend=settings.VAULT_DEFAULT_BACKEND,
    )
    with transaction.atomic():
        target = result.media_file.episode
        catalog.episode_add(
            series=title, season=target.season, number=target.number, name=episode.title
        )
        stale = MediaFile.objects.filter(episode=target).exclude(pk=result.media_file.pk)
        for old in stale:
            catalog.media_file_remove(media_file=old)
        Episode.objects.filter(pk=episode.pk).update(
            catalog_episode=target, published_at=timezone.now()
        )
    return {"title": title.pk, "episode": target.pk, "media_file": result.media_file.pk}
