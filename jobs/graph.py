"""Dependencies between jobs: a job ``depends_on`` others, waits (``WAITING``) until every one
of them is done, and is cancelled — with the reason — when one of them fails or is cancelled.

- ``graph_check`` refuses a cycle (``graphlib``), naming the jobs on it, before anything is
  written; edges are only ever added through it.
- ``graph_settle`` is called by the engine when a job ends: on DONE it returns the dependents
  that became runnable (moved WAITING → QUEUED here, under row locks, so two dependencies
  finishing at once release a dependent once); on FAILED/CANCELLED it cancels the dependents,
  and theirs, transitively.

This module never sends a Celery message: the engine enqueues what ``graph_settle`` released.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from graphlib import CycleError, TopologicalSorter

from django.db import connection
from django.utils import timezone

from jobs.models import Job, JobStatus

ENDED_BADLY = (JobStatus.FAILED, JobStatus.CANCELLED)


class DependencyCycle(ValueError):
    """The dependencies asked for would make a cycle; ``cycle`` lists it (first == last)."""

    def __init__(self, cycle: list[object]) -> None:
        self.cycle = cycle
        super().__init__("dependency cycle: " + " → ".join(str(node) for node in cycle))


def graph_check(edges: Mapping[object, Iterable[object]]) -> list[object]:
    """A topological order of ``edges`` (node → what it depends on), or ``DependencyCycle``."""
    try:
        return list(TopologicalSorter({k: list(v) for k, v in edges.items()}).static_order())
    except CycleError as exc:
        # graphlib gives the cycle as [a, b, …, a] in dependency order.
        raise DependencyCycle(list(exc.args[1])) from None


def _edges_around(job_ids: Iterable[int]) -> dict[object, set[object]]:
    """The existing dependency edges reachable downstream from ``job_ids``'s dependents and
    upstream from their dependencies — all a new edge could close a cycle with."""
    through = Job.depends_on.through
    edges: dict[object, set[object]] = {}
    frontier = set(job_ids)
    seen: set[int] = set()
    while frontier:
        seen |= frontier
        rows = through.objects.filter(from_job_id__in=frontier).values_list(
            "from_job_id", "to_job_id"
        )
        frontier = set()
        for job_id, dep_id in rows:
            edges.setdefault(job_id, set()).add(dep_id)
            if dep_id not in seen:
                frontier.add(dep_id)
    return edges


def dependencies_add(*, job: Job, depends_on: Iterable[Job]) -> None:
    """Add edges ``job → depends_on`` after checking the whole graph they join for a cycle.
    A job whose dependencies are not all done waits; one with a failed or cancelled
    dependency is cancelled. Only jobs that have not started may gain dependencies."""
    deps = list(depends_on)
    if not deps:
        return
    if job.status not in (JobStatus.WAITING, JobStatus.QUEUED):
        raise ValueError(f"job {job.pk} already started; its dependencies are fixed")
    edges = _edges_around([d.pk for d in deps])
    edges.setdefault(job.pk, set()).update(d.pk for d in deps)
    graph_check(edges)
    job.depends_on.add(*deps)
    statuses = {d.status for d in Job.objects.filter(pk__in=[d.pk for d in deps])}
    bad = [d for d in deps if d.status in ENDED_BADLY]
    if bad:
        _cancel_tree([job.pk], reason=f"dependency #{bad[0].pk} {bad[0].status}")
        job.refresh_from_db()
    elif statuses - {JobStatus.DONE} and job.status == JobStatus.QUEUED:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(status=JobStatus.WAITING)
        job.status = JobStatus.WAITING


def _cancel_tree(job_ids: list[int], *, reason: str) -> list[int]:
    """Cancel ``job_ids`` (if not ended) and every job downstream of them."""
    cancelled: list[int] = []
    frontier = list(job_ids)
    now = timezone.now()
    while frontier:
        live = list(
            Job.objects.filter(
                pk__in=frontier,
                status__in=[JobStatus.WAITING, JobStatus.QUEUED, JobStatus.RUNNING],
            ).values_list("pk", flat=True)
        )
        Job.objects.filter(pk__in=live).update(
            status=JobStatus.CANCELLED,
            run_token="",
            finished_at=now,
            last_error=reason[:2000],
            error_code="dependency",
        )
        cancelled += live
        frontier = list(
            Job.depends_on.through.objects.filter(to_job_id__in=frontier).values_list(
                "from_job_id", flat=True
            )
        )
    return cancelled


def graph_settle(*, job_id: int, status: str, reason: str = "") -> list[Job]:
    """A job ended with ``status``: release or cancel its dependents. Returns the jobs now
    QUEUED (the caller enqueues them after commit)."""
    through = Job.depends_on.through
    job_table, edge_table = Job._meta.db_table, through._meta.db_table
    if status in ENDED_BADLY or connection.vendor != "postgresql":
        dependents = list(
            through.objects.filter(to_job_id=job_id).values_list("from_job_id", flat=True)
        )
        if not dependents:
            return []
        if status in ENDED_BADLY:
            why = f"dependency #{job_id} {status}" + (f": {reason}" if reason else "")
            _cancel_tree(dependents, reason=why)
            return []
        among, params = f"id IN ({_marks(dependents)})", dependents
    else:
        # PostgreSQL: the dependents are read in the same statement, into an array (an init
        # plan), so the jobs are still found by their primary key.
        among = f"id = ANY(ARRAY(SELECT from_job_id FROM {edge_table} WHERE to_job_id = %s))"
        params = [job_id]
    # One statement: a waiting dependent none of whose dependencies is still undone becomes
    # queued. Two dependencies finishing together both try; the row lock and the re-checked
    # ``status = 'waiting'`` let exactly one of them release it.
    return list(
        Job.objects.raw(
            f"UPDATE {job_table} SET status = %s WHERE status = %s AND {among} "
            f"AND NOT EXISTS (SELECT 1 FROM {edge_table} e "
            f"JOIN {job_table} d ON d.id = e.to_job_id "
            f"WHERE e.from_job_id = {job_table}.id AND d.status <> %s) RETURNING *",
            [JobStatus.QUEUED, JobStatus.WAITING, *params, JobStatus.DONE],
        )
    )


def _marks(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def dependency_cancel(*, job_ids: list[int], reason: str) -> list[int]:
    """Cancel jobs and everything that depends on them (an admin or a producer cancelling)."""
    return _cancel_tree(job_ids, reason=reason)


def dependents_revive(*, job_id: int) -> list[int]:
    """A job is retried: the dependents its failure cancelled wait for it again."""
    revived: list[int] = []
    frontier = [job_id]
    through = Job.depends_on.through
    while frontier:
        below = list(
            through.objects.filter(to_job_id__in=frontier).values_list("from_job_id", flat=True)
        )
        frontier = list(
            Job.objects.filter(
                pk__in=below, status=JobStatus.CANCELLED, error_code="dependency"
            ).values_list("pk", flat=True)
        )
        Job.objects.filter(pk__in=frontier).update(
            status=JobStatus.WAITING, last_error="", error_code="", finished_at=None, attempts=0
        )
        revived += frontier
    return revived
