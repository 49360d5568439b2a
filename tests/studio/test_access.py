"""One access rule everywhere: every studio endpoint run as the owner, a collaborator, a
stranger, an anonymous visitor and a studio admin, with the status each must get. A stranger
gets 404 for what exists (an id tells nothing); an anonymous visitor 401."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from studio.models import Scene
from studio.services import projects, sessions, tasks
from tests.factories import UserFactory
from tests.studio.factories import (
    character_of,
    episode_of,
    media_of,
    png_bytes,
    producer,
    project_of,
    scene_of,
    studio_admin,
)

pytestmark = pytest.mark.django_db

ROLES = ("owner", "collaborator", "stranger", "anonymous", "admin")


@dataclass
class World:
    ids: dict[str, int]
    users: dict[str, Any]


def _world() -> World:
    owner = producer()
    collaborator, other_collaborator = UserFactory(), UserFactory()
    UserFactory(username="newbie")
    project = project_of(owner)
    projects.project_collaborator_add(actor=owner, project=project, handle=collaborator.username)
    projects.project_collaborator_add(
        actor=owner, project=project, handle=other_collaborator.username
    )
    episode = episode_of(project)
    first, second = scene_of(episode), scene_of(episode)
    ada, bob = character_of(project), character_of(project, name="Bob")
    media = media_of(project)
    session = sessions.session_open(actor=owner, project=project, data={})
    task = tasks.tasks_create(
        actor=owner, project=project, specs=[{"task_type": "image_generation"}]
    )[0][0]
    ids = {
        "p": project.pk,
        "e": episode.pk,
        "s1": first.pk,
        "s2": second.pk,
        "c": ada.pk,
        "c2": bob.pk,
        "m": media.pk,
        "x": session.pk,
        "t": task.pk,
        "other": other_collaborator.pk,
    }
    users = {
        "owner": owner,
        "collaborator": collaborator,
        "stranger": UserFactory(),
        "anonymous": None,
        "admin": studio_admin(),
    }
    return World(ids, users)


def _png():
    upload = io.BytesIO(png_bytes())
    upload.name = "ref.png"
    return upload


# (method, path, body, statuses for owner, collaborator, stranger, anonymous, admin)
R, W, D = (200, 200, 404, 401, 200), (201, 201, 404, 401, 201), (204, 204, 404, 401, 204)
ENDPOINTS: list[tuple[str, str, Any, tuple[int, ...]]] = [
    ("get", "/api/studio/me/", None, (200, 200, 200, 401, 200)),
    ("patch", "/api/studio/me/", {"theme": "dark"}, (200, 200, 200, 401, 200)),
    ("get", "/api/studio/projects/", None, (200, 200, 200, 401, 200)),
    (
        "post",
        "/api/studio/projects/",
        {"title": "Mine", "genre": "comedy"},
        (201, 201, 201, 401, 201),
    ),
    ("get", "/api/studio/projects/{p}/", None, R),
    ("patch", "/api/studio/projects/{p}/", {"status": "production"}, R),
    (
        "post",
        "/api/studio/projects/{p}/collaborators/",
        {"user": "newbie"},
        (201, 403, 404, 401, 201),
    ),
    ("get", "/api/studio/projects/{p}/costs/", None, R),
    ("post", "/api/studio/projects/{p}/continue/", None, (409, 409, 404, 401, 409)),
    ("get", "/api/studio/projects/{p}/episodes/", None, R),
    ("post", "/api/studio/projects/{p}/episodes/", {"title": "Two"}, W),
    ("get", "/api/studio/episodes/{e}/", None, R),
    ("patch", "/api/studio/episodes/{e}/", {"script": "INT. LAB - NIGHT"}, R),
    ("get", "/api/studio/episodes/{e}/scenes/", None, R),
    ("post", "/api/studio/episodes/{e}/scenes/", {"title": "Chase"}, W),
    ("get", "/api/studio/scenes/{s1}/", None, R),
    ("patch", "/api/studio/scenes/{s1}/", {"mood": "tense"}, R),
    ("get", "/api/studio/projects/{p}/characters/", None, R),
    ("post", "/api/studio/projects/{p}/characters/", {"name": "Cy"}, W),
    ("get", "/api/studio/characters/{c}/", None, R),
    ("patch", "/api/studio/characters/{c}/", {"age": "31"}, R),
    ("put", "/api/studio/characters/{c}/relationships/{c2}/", {"relationship_type": "sister"}, R),
    ("get", "/api/studio/projects/{p}/media/", None, R),
    ("post_file", "/api/studio/projects/{p}/media/", {"media_type": "style_reference"}, W),
    ("get", "/api/studio/media/{m}/", None, R),
    ("patch", "/api/studio/media/{m}/", {"alt": "A red square"}, R),
    ("get", "/api/studio/projects/{p}/sessions/", None, R),
    ("post", "/api/studio/projects/{p}/sessions/", {"current_step": "story"}, W),
    ("get", "/api/studio/sessions/{x}/", None, R),
    ("patch", "/api/studio/sessions/{x}/", {"awaiting_user_input": True}, R),
    ("post", "/api/studio/sessions/{x}/messages/", {"role": "user", "content": "Hi"}, W),
    ("get", "/api/studio/projects/{p}/tasks/", None, R),
    ("post", "/api/studio/projects/{p}/tasks/", {"tasks": [{"task_type": "audio_generation"}]}, W),
    ("get", "/api/studio/tasks/queue/", None, (200, 200, 200, 401, 200)),
    ("get", "/api/studio/tasks/{t}/", None, R),
    ("post", "/api/studio/tasks/{t}/cancel/", None, R),
    ("post", "/api/studio/tasks/{t}/retry/", None, R),
    ("get", "/api/studio/prompts/", None, (200, 200, 200, 401, 200)),
    (
        "post",
        "/api/studio/prompts/",
        {
            "name": "scene",
            "text": "Write {{x}}",
            "model": "local",
            "variables": [{"name": "x", "type": "string"}],
        },
        (201, 403, 403, 401, 201),
    ),
    ("get", "/api/studio/executions/", None, (200, 200, 200, 401, 200)),
    ("post", "/api/studio/episodes/{e}/scenes/reorder/", "REORDER", R),
    ("post", "/api/studio/episodes/{e}/produce/", {"scenes": 2}, (202, 202, 404, 401, 202)),
    # Nothing produced yet: a refusal that says so, to whoever may publish.
    ("post", "/api/studio/episodes/{e}/publish/", None, (409, 409, 404, 401, 409)),
    ("delete", "/api/studio/characters/{c}/relationships/{c2}/", None, D),
    ("delete", "/api/studio/scenes/{s1}/", None, D),
    ("delete", "/api/studio/characters/{c2}/", None, D),
    ("delete", "/api/studio/media/{m}/", None, D),
    ("delete", "/api/studio/projects/{p}/collaborators/{other}/", None, (204, 403, 404, 401, 204)),
    ("delete", "/api/studio/episodes/{e}/", None, D),
    ("delete", "/api/studio/projects/{p}/", None, (204, 403, 404, 401, 204)),
]


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_answers_each_role_as_the_rule_says(role):
    world = _world()
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    got, wanted = [], []
    for method, path, body, statuses in ENDPOINTS:
        url = path.format(**world.ids)
        if body == "REORDER":
            body = {
                "order": [world.ids["s2"], world.ids["s1"]]
                + [pk for pk in _scene_ids(world) if pk not in (world.ids["s1"], world.ids["s2"])]
            }
        if method == "post_file":
            response = client.post(url, {**body, "file": _png()})
        elif body is None:
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, body, content_type="application/json")
        expected = statuses[ROLES.index(role)]
        got.append((method, path, response.status_code))
        wanted.append((method, path, expected))
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, (path, response.content)
    assert got == wanted


def _scene_ids(world: World) -> list[int]:
    return list(Scene.objects.filter(episode_id=world.ids["e"]).values_list("pk", flat=True))


def test_a_stranger_learns_nothing_from_ids(client):
    world = _world()
    client.force_login(world.users["stranger"])
    missing = client.get("/api/studio/projects/999999/").json()
    existing = client.get(f"/api/studio/projects/{world.ids['p']}/").json()
    assert missing == existing == {"error": {"code": "not_found", "message": "No such project."}}
    listed = client.get("/api/studio/projects/").json()
    assert listed["count"] == 0
    assert client.get("/api/studio/tasks/queue/").json()["count"] == 0
