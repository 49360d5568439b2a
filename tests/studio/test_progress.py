"""Live progress: the project's WebSocket on the real ASGI server sends the snapshot, then
each change (a percentage, a retry, a failure with its reason) within about a second; a
stranger's socket is refused; the polling endpoint answers the same picture."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from jobs.models import Job, JobStatus
from studio.models import Task
from studio.progress import progress_snapshot
from studio.services.tasks import tasks_create
from tests.live.test_chat import _stop, asgi  # noqa: F401  (the real ASGI server fixture)
from tests.studio.factories import episode_of, producer, project_of

pytestmark = pytest.mark.django_db(transaction=True)


def _tasks(project, episode, n: int = 2) -> list[Task]:
    specs = [
        {"task_type": "script_generation", "episode": episode.pk, "parameters": {"n": i}}
        for i in range(n)
    ]
    made = [t for t, _ in tasks_create(actor=project.created_by, project=project, specs=specs)]
    # The tests run jobs eagerly: put them back in the queue, untouched, to set their states.
    Job.objects.filter(pk__in=[t.job_id for t in made]).update(
        status=JobStatus.QUEUED, attempts=0, last_error="", finished_at=None, not_before=None
    )
    return made


def _socket(server, project, user):
    client = Client()
    client.force_login(user)
    headers = {"Origin": server.url, "Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    url = server.url.replace("http://", "ws://") + f"/ws/studio/projects/{project.pk}/"
    return connect(url, additional_headers=headers, open_timeout=10)


def _frame(ws, kind: str) -> dict:
    while True:
        frame = json.loads(ws.recv(timeout=10))
        if frame["type"] == kind:
            return frame


def test_the_socket_pushes_each_change_and_refuses_strangers(asgi):  # noqa: F811
    owner = producer()
    project = project_of(owner)
    first, second = _tasks(project, episode_of(project))
    with _socket(asgi, project, owner) as ws:
        snapshot = _frame(ws, "snapshot")["tasks"]
        assert set(snapshot) == {str(first.pk), str(second.pk)}
        assert snapshot[str(first.pk)]["status"] == "queued"
        Job.objects.filter(pk=first.job_id).update(
            status=JobStatus.RUNNING, progress=40, current_step="panel-2"
        )
        rows = {r["id"]: r for r in _frame(ws, "changed")["tasks"]}
        assert rows[first.pk]["words"] == "panel-2 · 40%"
        # The other moved up the queue: its place changed too.
        assert rows[second.pk]["words"] == "next in the queue"
        Job.objects.filter(pk=second.job_id).update(
            status=JobStatus.FAILED, last_error="the voice is not installed"
        )
        [row] = _frame(ws, "changed")["tasks"]
        assert (row["id"], row["status"]) == (second.pk, "failed")
        assert row["error"] == "the voice is not installed"
    with pytest.raises(InvalidStatus):
        _socket(asgi, project, producer())


def test_queue_places_retries_and_the_polling_endpoint():
    owner = producer()
    project = project_of(owner)
    first, second = _tasks(project, episode_of(project))
    Job.objects.filter(pk=first.job_id).update(
        attempts=1, max_attempts=3, last_error="timed out", not_before="2099-01-01T00:00:00Z"
    )
    rows = progress_snapshot(project_id=project.pk)
    assert rows[str(first.pk)]["words"] == "retrying 2 of 3 — timed out"
    assert rows[str(second.pk)]["queue_position"] == 0
    assert rows[str(second.pk)]["words"] == "next in the queue"
    client = Client()
    client.force_login(owner)
    answer = client.get(f"/api/studio/projects/{project.pk}/progress/")
    assert answer.status_code == 200 and answer.json()["tasks"] == json.loads(json.dumps(rows))
    stranger = Client()
    stranger.force_login(producer())
    assert stranger.get(f"/api/studio/projects/{project.pk}/progress/").status_code == 404
