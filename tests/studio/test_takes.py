"""Takes: one panel drawn again with an edited prompt, the earlier picture kept, the new one
picked — and producing again rebuilds only that scene's clip and the episode."""

from __future__ import annotations

import pytest
from django.test import Client

from studio.models import Episode, Media, Scene, Task
from studio.services.production import episode_produce
from tests.studio.factories import episode_of, producer, project_of, scene_of
from tests.studio.test_production import drain

pytestmark = pytest.mark.django_db


def _board():
    owner = producer()
    project = project_of(owner, genre="sci-fi")
    episode = episode_of(project, title="Low Tide")
    scene = scene_of(episode, action="The harbour at dawn", location="Harbour")
    episode_produce(actor=owner, episode=episode)
    drain(project)
    return owner, project, episode, Scene.objects.get(pk=scene.pk)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_panel_is_redrawn_kept_beside_the_first_and_picked(django_assert_max_num_queries):
    owner, project, episode, scene = _board()
    first = scene.panels[0]["image"]
    final = Episode.objects.get(pk=episode.pk).final_video_id
    client = _client(owner)
    url = f"/api/studio/scenes/{scene.pk}/panels/1/"

    answer = client.post(
        url + "regenerate/", {"description": "A red moon over the bay"}, "application/json"
    )
    assert answer.status_code == 202, answer.content
    assert answer.json()["task_type"] == "image_generation"
    ran = drain(project)
    assert [t.task_type for t in ran] == ["image_generation"]
    take = Media.objects.get(pk=ran[0].output_media_id)
    assert take.generation_metadata["prompt"] == "A red moon over the bay"
    assert (
        take.generation_metadata["take"] == 2 and take.sha256 != Media.objects.get(pk=first).sha256
    )
    # Nothing on the board changed until it is picked.
    assert Scene.objects.get(pk=scene.pk).panels[0]["image"] == first

    with django_assert_max_num_queries(12):
        panels = client.get(f"/api/studio/scenes/{scene.pk}/takes/").json()
    assert [t["id"] for t in panels[0]["takes"]] == [take.pk, first]
    assert panels[0]["image"] == first and panels[0]["picked"] is False

    picked = client.post(url + "pick/", {"media": take.pk}, "application/json")
    assert picked.status_code == 200 and picked.json()["changed"] is True
    redone = drain(project)
    # The scene's clip and the episode are made again (and the new picture embedded for
    # similar-media search); the storyboard is not redrawn.
    assert sorted((t.task_type, t.scene_id or 0) for t in redone) == [
        ("embedding_generation", 0),
        ("scene_assembly", 0),
        ("scene_assembly", scene.pk),
    ]
    scene.refresh_from_db()
    assert scene.panels[0]["image"] == take.pk and scene.panels[0]["picked"] is True
    assert Episode.objects.get(pk=episode.pk).final_video_id != final
    # Picking it again changes nothing; producing again queues nothing.
    again = client.post(url + "pick/", {"media": take.pk}, "application/json")
    assert again.json() == {"changed": False, "tasks": []}
    assert episode_produce(actor=owner, episode=episode)["created"] == 0
    # The first take can be picked back.
    back = client.post(url + "pick/", {"media": first}, "application/json")
    assert back.json()["changed"] is True
    assert Scene.objects.get(pk=scene.pk).panels[0]["image"] == first


def test_takes_refuse_bad_input_and_strangers():
    owner, project, episode, scene = _board()
    client = _client(owner)
    base = f"/api/studio/scenes/{scene.pk}/panels"
    missing = client.post(f"{base}/9/regenerate/", {}, "application/json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = client.post(f"{base}/1/regenerate/", {"generator": "os.system"}, "application/json")
    assert wrong.status_code == 400 and "generator" in wrong.json()["error"]["fields"]
    other = scene_of(episode, action="Elsewhere", scene_number=2)
    foreign = Media.objects.create(
        project=project, scene=other, media_type="storyboard", filename="x.png",
        mime_type="image/png", generation_metadata={"panel_number": 1},
    )  # fmt: skip
    assert (
        client.post(f"{base}/1/pick/", {"media": foreign.pk}, "application/json").status_code == 404
    )
    bad = client.post(f"{base}/1/pick/", {"media": "x"}, "application/json")
    assert bad.status_code == 400
    stranger = _client(producer())
    assert stranger.get(f"/api/studio/scenes/{scene.pk}/takes/").status_code == 404
    assert stranger.post(f"{base}/1/regenerate/", {}, "application/json").status_code == 404
    assert Task.objects.filter(parameters__panel=1).count() == 0
