"""The studio's pages on the server: each renders for the project's people in a fixed number
of queries, whatever the size of the board; a stranger, an anonymous visitor or a guest gets
a 404 (the sign-in page for /studio/ itself); prompt templates only for producers and admins."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from studio.services.members import member_get
from studio.services.prompts import prompt_template_create
from tests.factories import UserFactory
from tests.studio.factories import character_of, episode_of, media_of, project_of, scene_of

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _board(scenes: int):
    owner = UserFactory(first_name="Owner")
    project = project_of(owner, title="Harbour")
    mara = character_of(project, name="Mara")
    episode = episode_of(project, title="Low Tide")
    for n in range(1, scenes + 1):
        art = media_of(project, media_type="storyboard", scene=None)
        scene = scene_of(
            episode,
            scene_number=n,
            title=f"Scene {n}",
            characters=[mara.pk],
            dialogue=[{"character": mara.pk, "lines": "Hello."}],
            panels=[{"panel_number": 1, "image": art.pk, "description": "A pier"}],
        )
        art.scene, art.episode = scene, episode
        art.generation_metadata = {"panel_number": 1}
        art.save()
    return owner, project, episode


def _counts(scenes: int) -> dict[str, int]:
    owner, project, episode = _board(scenes)
    client = _client(owner)
    client.get("/studio/")  # the member row is made on the first visit
    counts = {}
    for name, path in (
        ("projects", "/studio/"),
        ("project", f"/studio/projects/{project.pk}/"),
        ("board", f"/studio/episodes/{episode.pk}/"),
        ("session", f"/studio/projects/{project.pk}/session/"),
    ):
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(path)
        assert answer.status_code == 200, path
        counts[name] = len(queries)
    board = client.get(f"/studio/episodes/{episode.pk}/").content.decode()
    assert board.count('class="studio-scene"') == scenes and "Scene 1" in board
    return counts


def test_the_pages_render_in_a_fixed_number_of_queries():
    one, six = _counts(1), _counts(6)
    assert one == six, (one, six)
    assert max(one.values()) <= 20, one


def test_strangers_and_anonymous_visitors_get_a_404():
    _, project, episode = _board(1)
    paths = [
        f"/studio/projects/{project.pk}/",
        f"/studio/episodes/{episode.pk}/",
        f"/studio/projects/{project.pk}/session/",
        "/studio/prompts/",
    ]
    for client in (Client(), _client(UserFactory())):
        for path in paths:
            assert client.get(path).status_code == 404, path
    assert "Create an account" in Client().get("/studio/").content.decode()


def test_prompt_templates_for_producers():
    producer = UserFactory()
    member = member_get(user=producer)
    member.role = "producer"
    member.save()
    made = prompt_template_create(
        actor=producer,
        data={"name": "t", "text": "Hello {{who}}", "model": "local/x",
              "variables": [{"name": "who", "type": "string"}]},
    )  # fmt: skip
    answer = _client(producer).get(f"/studio/prompts/?t={made.pk}")
    assert answer.status_code == 200
    assert "Versions side by side" in answer.content.decode()
    # A viewer who is no producer does not see them.
    assert _client(UserFactory()).get("/studio/prompts/").status_code == 404
