"""Costs and budgets: offline generation costs nothing and never waits; a run with a paid
generator that would pass what is left of the owner's monthly budget pauses behind a gate (not
a failure), "continue" says what is missing until a studio admin tops up, then the run goes
on; spend and totals in the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jobs.models import Job, JobStatus
from studio.errors import Conflict, Forbidden
from studio.models import Member, Task
from studio.services import costs, tasks
from studio.services.members import member_get
from tests.studio.factories import episode_of, producer, project_of, studio_admin

pytestmark = pytest.mark.django_db
PAID = "studio.providers.openrouter.script"


@pytest.fixture
def paid_scripts(settings):
    settings.STUDIO_GENERATORS = {**settings.STUDIO_GENERATORS, "script_generation": PAID}


def _script_task(owner, project, n=1) -> Task:
    episode = episode_of(project, title=f"Episode {n}")
    ((task, _),) = tasks.tasks_create(
        actor=owner,
        project=project,
        specs=[{"task_type": "script_generation", "episode": episode.pk}],
    )
    return task


def test_offline_generation_costs_nothing_and_never_waits():
    owner = producer()  # the free tier: no budget for paid providers
    task = _script_task(owner, project_of(owner))
    assert task.job.status == JobStatus.QUEUED
    assert costs.project_costs(project=task.project)["paused"] == []


def test_a_run_past_the_budget_pauses_until_topped_up_and_continued(paid_scripts, client):
    owner = producer()
    project = project_of(owner)
    task = _script_task(owner, project)
    assert Job.objects.get(pk=task.job_id).status == JobStatus.WAITING  # paused, not failed
    (paused,) = costs.project_costs(project=project)["paused"]
    assert paused["estimate"] == Decimal("0.02")

    client.force_login(owner)
    refused = client.post(f"/api/studio/projects/{project.pk}/continue/")
    assert refused.status_code == 409
    assert "needs about $0.02; $0.00 is left" in refused.json()["error"]["message"]
    with pytest.raises(Forbidden):
        costs.member_top_up(actor=owner, member=member_get(user=owner), amount=Decimal("5"))

    costs.member_top_up(actor=studio_admin(), member=member_get(user=owner), amount=Decimal("5"))
    assert client.get("/api/studio/me/").json()["budget"]["left"] == "5.000000"
    opened = client.post(f"/api/studio/projects/{project.pk}/continue/")
    assert opened.status_code == 200 and opened.json()["opened"] == [paused["gate"]]
    assert Job.objects.get(pk=task.job_id).status == JobStatus.QUEUED
    with pytest.raises(Conflict, match="Nothing is paused"):
        costs.budget_continue(actor=owner, project=project)


def test_spend_is_what_the_tasks_cost_and_totals_show_per_project(paid_scripts, client):
    owner = producer()
    member = member_get(user=owner)
    Member.objects.filter(pk=member.pk).update(budget_top_up=Decimal("1.00"))
    project = project_of(owner)
    first = _script_task(owner, project, 1)
    assert first.job.status == JobStatus.QUEUED  # 0.02 fits in 1.00
    Task.objects.filter(pk=first.pk).update(cost=Decimal("0.990000"))  # what it really cost
    second = _script_task(owner, project, 2)
    assert Job.objects.get(pk=second.job_id).status == JobStatus.WAITING  # 0.01 left
    client.force_login(owner)
    body = client.get(f"/api/studio/projects/{project.pk}/costs/").json()
    assert body["total"] == "0.990000" and body["by_type"] == {"script_generation": "0.990000"}
    assert body["owner_budget"] == {
        "monthly_budget": "1.00",
        "spent": "0.990000",
        "left": "0.010000",
    }
    assert len(body["paused"]) == 1


def test_the_estimate_before_a_run_counts_only_what_would_be_made(paid_scripts, settings, client):
    settings.STUDIO_COST_ESTIMATES = {PAID: "0.05"}
    owner = producer()
    episode = episode_of(project_of(owner), title="Pilot")
    client.force_login(owner)
    url = f"/api/studio/episodes/{episode.pk}/estimate/"
    # No scenes yet: the paid script is what producing would make.
    assert client.get(url).json() == {"new": 1, "estimate": "0.05"}
    page = client.get(f"/studio/episodes/{episode.pk}/").content.decode()
    assert "queues 1 new task, about $0.05" in page
    tasks.tasks_create(
        actor=owner,
        project=episode.project,
        specs=[
            {
                "task_type": "script_generation",
                "episode": episode.pk,
                "parameters": {"scenes": 3, "then_produce": True, "burn": False},
            }
        ],
    )
    # The same script exists: producing again would make nothing new.
    assert client.get(url).json() == {"new": 0, "estimate": "0"}
    stranger = producer()
    client.force_login(stranger)
    assert client.get(url).status_code == 404
