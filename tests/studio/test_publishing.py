"""Publishing a finished episode: through the ingest pipeline into the catalog as an episode
of the project's series (made on the first publish), with its subtitles as WebVTT; the links
kept both ways; publishing again replaces the file; nothing to publish is a clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from catalog.models import Episode as CatalogEpisode
from catalog.models import MediaFile, Title
from jobs.engine import job_run
from jobs.models import Job, JobStatus
from media.assemble import Cue, Shot, scene_render
from studio.errors import Conflict
from studio.models import Episode
from studio.services.content import episode_update
from studio.services.media import media_create
from studio.services.publishing import episode_publish
from tests.studio.factories import episode_of, producer, project_of

pytestmark = pytest.mark.django_db


def finished_video(tmp_path: Path, episode: Episode, *, colour: str, line: str) -> None:
    """A small finished episode made by the studio's own assembly, set as its final video."""
    picture = tmp_path / f"{colour}.png"
    Image.new("RGB", (320, 180), colour).save(picture)
    out = tmp_path / f"{colour}.mp4"
    scene_render([Shot(picture, 3.0)], out, audio=None, cues=[Cue(0.5, 2.5, line)], size=(320, 180))
    video = media_create(
        actor=None,
        project=episode.project,
        upload=out,
        filename="episode.mp4",
        media_type="final_video",
        data={"episode": episode.pk},
        provider="local",
    )
    episode_update(actor=None, episode=episode, data={"final_video": video.pk})


def publish(owner, episode) -> dict:
    job = episode_publish(actor=owner, episode=Episode.objects.get(pk=episode.pk))
    assert job_run(job_id=job.pk) == JobStatus.DONE, Job.objects.get(pk=job.pk).last_error
    return Job.objects.get(pk=job.pk).state["result"]


def test_an_episode_is_published_as_the_series_episode_and_republished_in_place(tmp_path):
    owner = producer()
    project = project_of(owner, title="Far Signal", description="A crew far from home.")
    episode = episode_of(project, title="The Signal")
    with pytest.raises(Conflict, match="no final video"):
        episode_publish(actor=owner, episode=episode)

    finished_video(tmp_path, episode, colour="navy", line="Mara: We leave at dawn.")
    first = publish(owner, episode)
    project.refresh_from_db()
    episode.refresh_from_db()
    series = Title.objects.get(pk=first["title"])
    assert series.media_type == "series" and series.title == "Far Signal"
    assert series.status == "available" and series.studio_project == project
    target = CatalogEpisode.objects.get(pk=first["episode"])
    assert (target.season, target.number, target.name) == (1, 1, "The Signal")
    assert episode.catalog_episode == target and target.studio_episode == episode
    assert episode.published_at is not None
    media_file = MediaFile.objects.get(pk=first["media_file"])
    tracks = list(media_file.subtitles.values_list("lang", flat=True))
    assert tracks == ["eng"] and media_file.video_codec == "h264"

    # Again with new bytes: the same episode, one file, the new one.
    finished_video(tmp_path, episode, colour="maroon", line="Mara: We leave tonight.")
    second = publish(owner, episode)
    assert second["episode"] == target.pk and second["media_file"] != media_file.pk
    assert list(MediaFile.objects.filter(episode=target).values_list("pk", flat=True)) == [
        second["media_file"]
    ]
    assert Title.objects.filter(media_type="series", title="Far Signal").count() == 1
