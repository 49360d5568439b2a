"""Dependencies between jobs in one process: waiting until every dependency is done, release
exactly once, cascade cancel with the reason, retry reviving what the failure cancelled,
cycles refused and named, claims in priority order (oldest first)."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import User
from jobs import engine
from jobs.claims import RUNNER
from jobs.engine import JobContext, PermanentError, job_create, job_handler
from jobs.graph import DependencyCycle, dependencies_add, graph_check
from jobs.models import Job, JobStatus
from jobs.services import job_cancel, job_retry

pytestmark = pytest.mark.django_db

RAN: list[int] = []


@job_handler("test_graph", label="Test graph", queue="studio")
def _graph(ctx: JobContext):
    RAN.append(ctx.job.pk)
    if ctx.payload.get("fail"):
        raise PermanentError("no good")
    return {"n": ctx.payload.get("n")}


@pytest.fixture(autouse=True)
def _ran():
    RAN.clear()


def _make(n: int = 0, *, deps=(), priority: int = 5, fail: bool = False) -> Job:
    return job_create(
        kind="test_graph",
        payload={"n": n, "fail": fail},
        priority=priority,
        depends_on=list(deps),
        enqueue=False,
    )


def _status(job: Job) -> str:
    job.refresh_from_db()
    return job.status


def test_a_job_waits_for_all_its_dependencies_and_is_released_once():
    a, b = _make(1), _make(2)
    c = _make(3, deps=[a, b])
    assert (a.status, c.status) == (JobStatus.QUEUED, JobStatus.WAITING)
    assert engine.job_run(job_id=a.pk) == JobStatus.DONE
    assert _status(c) == JobStatus.WAITING  # b is not done yet
    assert engine.job_run(job_id=c.pk) == ""  # a waiting job cannot be claimed
    assert engine.job_run(job_id=b.pk) == JobStatus.DONE
    assert _status(c) == JobStatus.QUEUED
    assert engine.job_run(job_id=c.pk) == JobStatus.DONE
    assert RAN == [a.pk, b.pk, c.pk]


def test_dependencies_already_done_leave_the_job_queued():
    a = _make(1)
    engine.job_run(job_id=a.pk)
    assert _make(2, deps=[a]).status == JobStatus.QUEUED


def test_a_failed_dependency_cancels_its_dependents_transitively_with_the_reason():
    a = _make(1, fail=True)
    b = _make(2, deps=[a])
    c = _make(3, deps=[b])
    other = _make(4)
    assert engine.job_run(job_id=a.pk) == JobStatus.FAILED
    for job in (b, c):
        job.refresh_from_db()
        assert job.status == JobStatus.CANCELLED
        assert job.error_code == "dependency"
    assert b.last_error == f"dependency #{a.pk} failed: no good"
    assert c.last_error == b.last_error  # the root cause, not the link before it
    assert _status(other) == JobStatus.QUEUED
    # Retrying the failed job brings back what its failure cancelled.
    admin = User.objects.create(username="ops", is_staff=True)
    Job.objects.filter(pk=a.pk).update(payload={"n": 1})
    assert job_retry(job=a, actor=admin)
    assert (_status(a), _status(b), _status(c)) == (
        JobStatus.QUEUED,
        JobStatus.WAITING,
        JobStatus.WAITING,
    )


def test_a_job_depending_on_a_cancelled_one_is_cancelled_at_creation():
    a = _make(1)
    admin = User.objects.create(username="ops", is_staff=True)
    assert job_cancel(job=a, actor=admin)
    b = _make(2, deps=[a])
    assert b.status == JobStatus.CANCELLED
    assert b.last_error == f"dependency #{a.pk} cancelled"


def test_cancelling_a_job_cancels_what_depends_on_it():
    a = _make(1)
    b = _make(2, deps=[a])
    admin = User.objects.create(username="ops", is_staff=True)
    assert job_cancel(job=a, actor=admin)
    assert _status(b) == JobStatus.CANCELLED
    assert not job_cancel(job=a, actor=admin)  # idempotent


def test_a_cycle_is_refused_and_named():
    a = _make(1)
    b = _make(2, deps=[a])
    c = _make(3, deps=[b])
    with pytest.raises(DependencyCycle) as err:
        dependencies_add(job=a, depends_on=[c])
    assert set(err.value.cycle) == {a.pk, b.pk, c.pk}
    assert err.value.cycle[0] == err.value.cycle[-1]
    assert not a.depends_on.exists()
    with pytest.raises(DependencyCycle):
        graph_check({"x": ["y"], "y": ["x"]})
    assert graph_check({"x": ["y"], "y": []}) == ["y", "x"]


def test_claims_take_the_highest_priority_then_the_oldest():
    low = _make(1, priority=2)
    high_old = _make(2, priority=9)
    high_new = _make(3, priority=9)
    waiting = _make(4, priority=10, deps=[low])
    order = [engine.job_run_next(queue="studio") for _ in range(3)]
    assert order == [JobStatus.DONE] * 3  # the third call runs on to the dependent it released
    assert RAN == [high_old.pk, high_new.pk, low.pk, waiting.pk]
    assert engine.job_run_next(queue="studio") == ""
    assert Job.objects.get(pk=low.pk).runner == RUNNER


def test_a_released_dependent_runs_on_in_the_loop_instead_of_a_message(
    django_capture_on_commit_callbacks,
):
    """Each message is one claim: the loop that releases a dependent claims once more instead
    of sending a message for it; a run by id (``job_run``) sends one; fan-out sends the rest."""
    first = _make(1)
    second = _make(2, deps=[first])
    with django_capture_on_commit_callbacks() as sent:
        assert engine.job_run_next(queue="studio") == JobStatus.DONE
    assert sent == [] and RAN == [first.pk, second.pk]
    root = _make(3)
    fan = [_make(4 + n, deps=[root]) for n in range(3)]
    with django_capture_on_commit_callbacks() as sent:
        assert engine.job_run(job_id=root.pk) == JobStatus.DONE
    assert len(sent) == 3  # not a loop: a message for each
    Job.objects.filter(pk__in=[j.pk for j in fan]).update(status=JobStatus.WAITING)
    Job.objects.filter(pk=root.pk).update(status=JobStatus.QUEUED)
    with django_capture_on_commit_callbacks() as sent:
        engine.job_run_next(queue="studio")
    assert len(sent) == 2  # one of three runs on in the loop


def test_no_index_on_jobs_leads_with_status():
    """With one, PostgreSQL planned a release (``status = 'waiting' AND id IN (…)``) through
    it whenever its statistics had not yet seen the waiting jobs: a scan of every waiting job
    per release (bench/README.md). The queued and running rows have partial indexes."""
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Job._meta.db_table)
    leading = [name for name, c in indexes.items() if c["index"] and c["columns"][:1] == ["status"]]
    assert leading == []
    assert {"job_queued_order_idx", "job_running_heartbeat_idx"} <= set(indexes)
