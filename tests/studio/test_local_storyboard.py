"""The local image generator (the default for image tasks, no key): a scene's storyboard
drawn offline, one real PNG per panel in the vault, the scene's panels pointing at them, the
close-ups showing the speaker with the line as a caption; resumed without drawing twice."""

from __future__ import annotations

import io

import pytest
from asgiref.sync import async_to_sync
from PIL import Image

from jobs.engine import job_run
from jobs.models import Job, JobStatus
from studio.local.drawing import shot_of
from studio.models import Media, Scene, Task
from studio.services import tasks
from tests.studio.factories import character_of, episode_of, producer, project_of, scene_of

pytestmark = pytest.mark.django_db


async def _collect(chunks) -> bytes:
    return b"".join([chunk async for chunk in chunks])


def _png(client, media: Media) -> Image.Image:
    url = client.get(f"/api/studio/media/{media.pk}/").json()["url"]
    response = client.get(url)
    assert response.status_code == 200
    return Image.open(io.BytesIO(async_to_sync(_collect)(response.streaming_content)))


def _scene():
    owner = producer()
    project = project_of(owner)
    mara = character_of(project, name="Mara", color_palette=["#123456"])
    doc = character_of(project, name="Doc")
    episode = episode_of(project)
    scene = scene_of(
        episode,
        action="Rain on the harbour.",
        location="Harbour",
        time_of_day="night",
        characters=[mara.pk, doc.pk],
        dialogue=[
            {"character": mara.pk, "lines": "We leave at dawn.", "emotion": "calm"},
            {"character": doc.pk, "lines": "Not in this weather.", "emotion": "worried"},
        ],
    )
    return owner, project, scene


def _run(owner, project, scene, **parameters) -> Task:
    ((task, _),) = tasks.tasks_create(
        actor=owner,
        project=project,
        specs=[{"task_type": "image_generation", "scene": scene.pk, "parameters": parameters}],
    )
    assert job_run(job_id=task.job_id) == JobStatus.DONE, Job.objects.get(pk=task.job_id).last_error
    return Task.objects.get(pk=task.pk)


def test_a_scene_without_panels_gets_an_establishing_shot_and_a_close_up_per_line(client):
    owner, project, scene = _scene()
    task = _run(owner, project, scene)
    scene.refresh_from_db()
    assert [p["panel_number"] for p in scene.panels] == [1, 2, 3]
    drawn = {m.pk: m for m in Media.objects.filter(project=project, media_type="storyboard")}
    assert sorted(drawn) == sorted(p["image"] for p in scene.panels)
    assert task.output_media_id == scene.panels[0]["image"]
    first, mara_line, doc_line = (drawn[p["image"]] for p in scene.panels)
    assert first.provider == "local" and first.agent_generated is not None
    assert first.technical_data["characters"] == ["Mara", "Doc"]
    assert mara_line.technical_data["characters"] == ["Mara"]  # a close-up: the speaker only
    assert doc_line.technical_data["characters"] == ["Doc"]
    assert first.generation_metadata["generator"] == "local-storyboard"
    client.force_login(owner)
    picture = _png(client, mara_line)
    assert picture.size == (1280, 720) and picture.format == "PNG"
    # Night: the sky is dark; Mara's palette colours her figure.
    assert sum(picture.getpixel((1200, 300))) < 200
    assert (0x12, 0x34, 0x56) in {c for _, c in picture.getcolors(1_000_000)}


def test_planned_panels_keep_their_numbers_and_angles():
    owner, project, scene = _scene()
    scene.panels = [
        {"panel_number": 5, "camera_angle": "wide", "description": "Both at the rail"},
        {"panel_number": 2, "camera_angle": "over-the-shoulder", "description": ""},
    ]
    scene.save()
    _run(owner, project, scene)
    scene.refresh_from_db()
    assert [(p["panel_number"], p["camera_angle"]) for p in scene.panels] == [
        (2, "over-the-shoulder"),
        (5, "wide"),
    ]
    assert all(p["image"] for p in scene.panels)


def test_a_second_run_on_the_same_scene_frames_the_same_panels():
    """The first run gave the scene its panels; a second run (a regeneration) reads them and
    puts the same people in the same frames."""
    owner, project, scene = _scene()
    _run(owner, project, scene)
    _run(owner, project, Scene.objects.get(pk=scene.pk), take=2)  # the same one is not redone
    drawn = list(Media.objects.filter(project=project, media_type="storyboard").order_by("pk"))
    framed = [m.technical_data["characters"] for m in drawn]
    assert framed == [["Mara", "Doc"], ["Mara"], ["Doc"]] * 2


def test_a_resumed_task_draws_only_what_is_missing():
    owner, project, scene = _scene()
    ((task, _),) = tasks.tasks_create(
        actor=owner, project=project, specs=[{"task_type": "image_generation", "scene": scene.pk}]
    )
    assert job_run(job_id=task.job_id) == JobStatus.DONE
    Job.objects.filter(pk=task.job_id).update(status=JobStatus.QUEUED)
    assert job_run(job_id=task.job_id) == JobStatus.DONE
    assert Media.objects.filter(project=project, media_type="storyboard").count() == 3


def test_an_image_task_without_a_scene_fails_saying_so():
    owner = producer()
    project = project_of(owner)
    ((task, _),) = tasks.tasks_create(
        actor=owner, project=project, specs=[{"task_type": "image_generation"}]
    )
    assert job_run(job_id=task.job_id) == JobStatus.FAILED
    assert "give the task a scene" in Job.objects.get(pk=task.job_id).last_error


@pytest.mark.parametrize(
    "angle,most",
    [("Close-up on Mara", 1), ("WIDE", 8), ("medium close-up", 2), ("dutch tilt", 3)],
)
def test_the_camera_angle_sets_the_framing(angle, most):
    assert shot_of(angle)[1] == most
