"""Tasks on the jobs engine, through the API: a batch with dependencies (by id or by key in the
batch), a cycle refused with a 400 naming it, the same generation queued once (content key),
cancel cascading with the reason, retry, the queue in claim order, and the retention beat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.models import Job, JobStatus
from studio.models import Task
from studio.services import tasks
from tests.studio.factories import producer, project_of

pytestmark = pytest.mark.django_db


def _post(client, project, specs):
    return client.post(
        f"/api/studio/projects/{project.pk}/tasks/",
        {"tasks": specs},
        content_type="application/json",
    )


def test_a_batch_with_dependencies_waits_in_order(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    response = _post(
        client,
        project,
        [
            {
                "key": "video",
                "task_type": "scene_assembly",
                "depends_on": ["frames", "voice"],
                "priority": 9,
            },
            {"key": "frames", "task_type": "image_generation"},
            {"key": "voice", "task_type": "audio_generation", "parameters": {"line": 1}},
        ],
    )
    assert response.status_code == 201, response.content
    video, frames, voice = response.json()
    assert video["status"] == "waiting" and video["priority"] == 9
    assert sorted(video["input"]["dependencies"]) == sorted([frames["id"], voice["id"]])
    assert frames["status"] == voice["status"] == "queued"
    later = _post(
        client, project, [{"task_type": "embedding_generation", "depends_on": [video["id"]]}]
    )
    assert later.json()[0]["status"] == "waiting"


def test_a_cycle_is_refused_with_a_400_that_names_it(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    response = _post(
        client,
        project,
        [
            {"key": "a", "task_type": "image_generation", "depends_on": ["c"]},
            {
                "key": "b",
                "task_type": "image_generation",
                "depends_on": ["a"],
                "parameters": {"n": 2},
            },
            {
                "key": "c",
                "task_type": "image_generation",
                "depends_on": ["b"],
                "parameters": {"n": 3},
            },
        ],
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "Dependency cycle:" in error["fields"]["depends_on"][0]
    for key in "abc":
        assert key in error["fields"]["depends_on"][0]
    assert not Task.objects.exists() and not Job.objects.exists()
    unknown = _post(client, project, [{"task_type": "image_generation", "depends_on": [99999]}])
    assert unknown.status_code == 409 and not Task.objects.exists()
    assert "depends_on" in unknown.json()["error"]["fields"]


def test_the_same_generation_is_queued_once(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    spec = {"task_type": "image_generation", "parameters": {"prompt": "a red door", "seed": 7}}
    first = _post(client, project, [spec]).json()[0]
    again = _post(
        client, project, [{**spec, "parameters": {"seed": 7, "prompt": "a red door"}}]
    ).json()[0]
    other = _post(
        client, project, [{**spec, "parameters": {"prompt": "a blue door", "seed": 7}}]
    ).json()[0]
    assert first["id"] == again["id"] != other["id"]
    assert Task.objects.count() == Job.objects.count() == 2


def test_cancel_cascades_with_the_reason_and_retry_revives(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    a, b = _post(
        client,
        project,
        [
            {"key": "a", "task_type": "image_generation"},
            {"key": "b", "task_type": "video_generation", "depends_on": ["a"]},
        ],
    ).json()
    cancelled = client.post(f"/api/studio/tasks/{a['id']}/cancel/").json()
    assert cancelled["status"] == "cancelled" and cancelled["error"]["code"] == "cancelled"
    dependent = client.get(f"/api/studio/tasks/{b['id']}/").json()
    assert dependent["status"] == "cancelled"
    assert dependent["error"] == {
        "message": f"dependency #{Task.objects.get(pk=a['id']).job_id} cancelled",
        "code": "dependency",
        "retry_count": 0,
        "last_retry": None,
    }
    retried = client.post(f"/api/studio/tasks/{a['id']}/retry/").json()
    assert retried["status"] == "queued"
    assert client.get(f"/api/studio/tasks/{b['id']}/").json()["status"] == "waiting"
    refused = client.post(f"/api/studio/tasks/{a['id']}/retry/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"


def test_the_queue_lists_in_claim_order(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    made = _post(
        client,
        project,
        [
            {"task_type": "image_generation", "priority": 2, "parameters": {"n": 1}},
            {"task_type": "image_generation", "priority": 8, "parameters": {"n": 2}},
            {"task_type": "image_generation", "priority": 8, "parameters": {"n": 3}},
        ],
    ).json()
    queue = client.get("/api/studio/tasks/queue/").json()["results"]
    assert [t["id"] for t in queue] == [made[1]["id"], made[2]["id"], made[0]["id"]]
    by_status = client.get(f"/api/studio/projects/{project.pk}/tasks/?status=queued").json()
    assert by_status["count"] == 3


def test_retention_deletes_finished_tasks_past_the_period(settings):
    settings.STUDIO_TASK_RETENTION_DAYS = 30
    owner = producer()
    project = project_of(owner)
    made = tasks.tasks_create(
        actor=owner,
        project=project,
        specs=[{"task_type": "image_generation", "parameters": {"n": n}} for n in range(4)],
    )
    old = timezone.now() - timedelta(days=31)
    done, cancelled, failed, fresh = (t.job_id for t, _ in made)
    Job.objects.filter(pk=done).update(status=JobStatus.DONE, finished_at=old)
    Job.objects.filter(pk=cancelled).update(status=JobStatus.CANCELLED, finished_at=old)
    Job.objects.filter(pk=failed).update(status=JobStatus.FAILED, finished_at=old)
    Job.objects.filter(pk=fresh).update(status=JobStatus.DONE, finished_at=timezone.now())
    assert tasks.tasks_prune() == 2
    assert sorted(Task.objects.values_list("job_id", flat=True)) == sorted([failed, fresh])
    assert tasks.tasks_prune() == 0


def test_bad_filters_are_a_400_naming_the_parameter(client):
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    for url, name in (
        (f"/api/studio/projects/{project.pk}/tasks/?status=bogus", "status"),
        ("/api/studio/projects/?status=bogus", "status"),
        (f"/api/studio/projects/{project.pk}/media/?media_type=x", "media_type"),
        ("/api/studio/projects/?q=a%00b", "q"),
        ("/api/studio/prompts/?app=a%00b", "app"),
        ("/api/studio/executions/?status=maybe", "status"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert list(response.json()["error"]["fields"]) == [name]


def test_the_executions_project_filter_takes_only_an_id(client):
    client.force_login(producer())
    for value in ("null", "0", "-1", "1.5", "9" * 30):
        response = client.get(f"/api/studio/executions/?project={value}")
        assert response.status_code == 400, value
        assert list(response.json()["error"]["fields"]) == ["project"]
    assert client.get("/api/studio/executions/?project=7").status_code == 200


def test_a_running_task_estimates_its_completion_from_its_pace(client):
    owner = producer()
    project = project_of(owner)
    ((task, _),) = tasks.tasks_create(
        actor=owner, project=project, specs=[{"task_type": "image_generation"}]
    )
    now = timezone.now()
    started = now - timedelta(seconds=30)
    Job.objects.filter(pk=task.job_id).update(
        status=JobStatus.RUNNING, started_at=started, progress=25
    )
    task = Task.objects.select_related("job").get(pk=task.pk)
    assert tasks.task_estimated_completion(task=task, now=now) == started + timedelta(seconds=120)
    client.force_login(owner)
    listed = client.get(f"/api/studio/projects/{project.pk}/tasks/").json()["results"][0]
    assert listed["progress"]["percentage"] == 25
    assert listed["progress"]["estimated_completion"] is not None
    # Not running, or no progress yet: no estimate; a generator's own estimate wins.
    Job.objects.filter(pk=task.job_id).update(progress=0)
    assert tasks.task_estimated_completion(task=Task.objects.get(pk=task.pk), now=now) is None
    Job.objects.filter(pk=task.job_id).update(status=JobStatus.DONE, progress=100)
    assert tasks.task_estimated_completion(task=Task.objects.get(pk=task.pk), now=now) is None
    Task.objects.filter(pk=task.pk).update(estimated_completion=now)
    assert tasks.task_estimated_completion(task=Task.objects.get(pk=task.pk), now=now) == now


def test_a_batch_reads_its_tasks_in_a_fixed_number_of_queries(client):
    """100 specs of one generation are one task, looked up once and listed once: the batch's
    reads do not grow with its length (a fuzzer's 100-spec batch once took >10 s on a busy
    machine at three queries per spec)."""
    owner = producer()
    project = project_of(owner)
    client.force_login(owner)
    _post(client, project, [{"task_type": "scene_assembly"}])
    with CaptureQueriesContext(connection) as two:
        assert _post(client, project, [{"task_type": "scene_assembly"}] * 2).status_code == 201
    with CaptureQueriesContext(connection) as hundred:
        response = _post(client, project, [{"task_type": "scene_assembly"}] * 100)
    assert response.status_code == 201
    assert len({row["id"] for row in response.json()}) == 1
    assert len(hundred.captured_queries) == len(two.captured_queries)
