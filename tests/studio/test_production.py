"""Producing an episode offline, end to end on the embedded default (no key): the local writer
makes the scenes, the storyboard is drawn, the lines spoken by a real neural voice, each scene
assembled with ffmpeg (shots as long as their lines, subtitles from the cues) and the episode
joined — then producing again after an edit redoes only what the edit touched."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from jobs.engine import job_run
from jobs.models import Job, JobStatus
from media.probe import probe
from studio.models import Embedding, Episode, Media, PromptExecution, Scene, Task
from studio.services.media import media_fetch
from studio.services.production import episode_produce
from studio.services.scenes import scene_update
from tests.studio.factories import character_of, episode_of, producer, project_of

pytestmark = pytest.mark.django_db


def drain(project) -> list[Task]:
    """Run the project's queued tasks here, in the engine's order, until none is left."""
    ran = []
    for _ in range(100):
        job = (
            Job.objects.filter(scope=f"studio-project:{project.pk}", status=JobStatus.QUEUED)
            .order_by("-priority", "created_at", "id")
            .first()
        )
        if job is None:
            return ran
        assert job_run(job_id=job.pk) == JobStatus.DONE, Job.objects.get(pk=job.pk).last_error
        ran.append(Task.objects.get(job=job))
    raise AssertionError("tasks kept coming")


def _project():
    owner = producer()
    project = project_of(owner, genre="sci-fi", description="A crew far from home.")
    mara = character_of(
        project, name="Mara", personality=["Bold"], motivations=["Find the way home"]
    )
    character_of(
        project, name="Doc", personality=["Careful"], voice_characteristics=["deep", "slow"]
    )
    episode = episode_of(project, title="The Signal", themes=["the signal"])
    return owner, project, episode, mara


def _frames(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def test_an_episode_is_made_offline_and_remade_only_where_edited(tmp_path):
    owner, project, episode, _ = _project()
    queued = episode_produce(actor=owner, episode=episode)
    assert queued["created"] == 1  # the script first: the episode has no scenes yet
    ran = drain(project)
    types = [t.task_type for t in ran]
    assert types[0] == "script_generation"
    assert types.count("image_generation") == 3 and types.count("audio_generation") == 3
    assert types.count("scene_assembly") == 4  # three clips and the episode
    # The storyboards are embedded, so similar-media search finds them by what they show.
    assert types.count("embedding_generation") == 1
    boards = Media.objects.filter(media_type="storyboard", episode=episode)
    assert Embedding.objects.filter(media__in=boards).count() == boards.count() > 0

    # The script went through the registry as a recorded, schema-checked execution.
    execution = PromptExecution.objects.get(template__name="studio.episode-script")
    assert execution.status == "success" and execution.model == "local/storyteller"
    scenes = list(Scene.objects.filter(episode=episode).order_by("scene_number"))
    assert len(scenes) == 3 and all(len(s.dialogue) == 3 for s in scenes)

    # Speech is real: not silence, and a slower, deeper character differs from the default.
    clip = Media.objects.filter(scene=scenes[0], media_type="audio_clip").first()
    samples = _frames(media_fetch(media=clip, dest=tmp_path / "line.wav"))
    assert len(samples) > 22050 * 0.5 and np.abs(samples).mean() > 200
    doc = Media.objects.filter(media_type="audio_clip", character__name="Doc").first()
    assert doc.technical_data["voice"] == {"speed": 0.85, "pitch": 0.85}

    # Each scene's clip lasts as long as its sound, with a subtitle per line.
    scene = Scene.objects.select_related("video_segment", "audio_track").get(pk=scenes[0].pk)
    track = scene.audio_track.technical_data
    video = scene.video_segment.technical_data
    assert abs(video["duration"] - track["duration"]) < 0.15
    assert video["video_codec"] == "h264" and video["audio_codecs"] == ["aac"]
    assert video["subtitles"] == ["mov_text"] and len(video["cues"]) == 3
    assert scene.status == "reviewing"

    # The episode joins the scenes: its length is theirs, with a thumbnail.
    episode.refresh_from_db()
    assert episode.status == "completed" and episode.thumbnail_id
    final = media_fetch(media=episode.final_video, dest=tmp_path / "episode.mp4")
    probed = probe(final)
    total = sum(Scene.objects.get(pk=s.pk).video_segment.technical_data["duration"] for s in scenes)
    assert abs(probed.duration - total) < 0.3 and episode.duration == round(probed.duration)
    vtt = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(final), "-map", "0:s:0", "-f", "webvtt", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert vtt.count(" --> ") == 9 and "Mara:" in vtt

    # Producing again queues nothing; after an edit, only what the edit touched.
    again = episode_produce(actor=owner, episode=episode)
    assert again["created"] == 0 and drain(project) == []

    scene = Scene.objects.filter(episode=episode).order_by("scene_number")[1]
    lines = [dict(line) for line in scene.dialogue]
    lines[0]["lines"] = "The signal is coming from inside the ship."
    scene_update(actor=owner, scene=scene, data={"dialogue": lines})
    before = Episode.objects.get(pk=episode.pk).final_video_id
    episode_produce(actor=owner, episode=episode)
    redone = drain(project)
    # Its storyboard (the caption changed), its voice, its clip and the episode: nothing else.
    assert sorted((t.task_type, t.scene_id or 0) for t in redone) == sorted(
        [
            ("image_generation", scene.pk),
            ("audio_generation", scene.pk),
            ("scene_assembly", scene.pk),
            ("scene_assembly", 0),
            ("embedding_generation", 0),  # the new storyboard's embedding
        ]
    )
    assert Episode.objects.get(pk=episode.pk).final_video_id != before
    # The earlier takes stay.
    assert Media.objects.filter(scene=scene, media_type="video_segment").count() == 2
