"""Generation tasks on the jobs engine: created one by one or as a batch with dependencies
(a cycle is refused, naming it), deduplicated by content key (the same generation is queued
and paid for once), cancelled (with what depends on them), retried, and pruned after the
retention period."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from jobs.engine import job_create, job_enqueue
from jobs.graph import DependencyCycle, dependencies_add, graph_check
from jobs.models import Job, JobStatus
from jobs.services import job_cancel, job_retry

from ..errors import Conflict, Invalid, NotInProject
from ..models import Character, Episode, Project, Scene, Task, TaskType
from .costs import gate_for, task_estimate
from .fal import fal_cancel_open

KIND = "studio_task"


def scope_of(project_id: int) -> str:
    return f"studio-project:{project_id}"


def content_key(
    *, task_type: str, project_id: int, target: dict[str, int | None], parameters: dict
) -> str:
    """The same type, target and parameters make the same key (JSON with sorted keys)."""
    blob = json.dumps(
        [task_type, project_id, target, parameters], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _target(project: Project, spec: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for field, model in (("episode", Episode), ("scene", Scene), ("character", Character)):
        value = spec.get(field)
        if value is None:
            found[field] = None
            continue
        row = (
            model.objects.filter(pk=value, project_id=project.pk).first()
            if isinstance(value, int) and not isinstance(value, bool)
            else None
        )
        if row is None:
            raise NotInProject(f"Unknown {field}.", fields={field: [f"A {field} of this project."]})
        found[field] = row
    return found


def _check(spec: dict[str, Any]) -> None:
    if spec.get("task_type") not in TaskType.values:
        raise Invalid("Unknown task type.", fields={"task_type": [", ".join(TaskType.values)]})
    priority = spec.get("priority", 5)
    if not isinstance(priority, int) or isinstance(priority, bool) or not 1 <= priority <= 10:
        raise Invalid("Priority is 1 to 10.", fields={"priority": ["An integer from 1 to 10."]})
    if not isinstance(spec.get("parameters", {}), dict):
        raise Invalid("Parameters are an object.", fields={"parameters": ["An object."]})


@transaction.atomic
def tasks_create(
    *, actor: Any, project: Project, specs: list[dict[str, Any]]
) -> list[tuple[Task, bool]]:
    """Create tasks (each: ``task_type``, optional ``episode``/``scene``/``character``,
    ``parameters``, ``priority`` 1 to 10, ``depends_on``: ids of existing tasks of the project or
    ``key``s of tasks in this batch). Returns (task, created) per spec, in order; a spec whose
    content key exists returns that task. All or nothing."""
    if not specs:
        raise Invalid("No tasks.", fields={"tasks": ["At least one task."]})
    keys = [spec.get("key") for spec in specs]
    named = {k: i for i, k in enumerate(keys) if k is not None}
    if len(named) != len([k for k in keys if k is not None]):
        raise Invalid("Keys repeat.", fields={"key": ["Each key once in a batch."]})
    edges: dict[object, list[object]] = {}
    for i, spec in enumerate(specs):
        _check(spec)
        deps = spec.get("depends_on", [])
        if not isinstance(deps, list):
            raise Invalid("A list.", fields={"depends_on": ["Task ids or batch keys."]})
        edges[f"#{keys[i] or i}"] = [
            f"#{d}" if isinstance(d, str) and d in named else f"task {d}" for d in deps
        ]
    try:
        order = graph_check(edges)
    except DependencyCycle as exc:
        cycle = " → ".join(str(n).lstrip("#") for n in exc.cycle)
        why = f"Dependency cycle: {cycle}."
        raise Invalid(why, fields={"depends_on": [why]}) from None
    made: dict[int, tuple[Task, bool]] = {}
    index = {f"#{keys[i] or i}": i for i in range(len(specs))}
    gate = _budget_gate(actor, project, specs)
    content_keys = {_key(project, spec) for spec in specs}
    known = {  # one look-up for the batch; tasks it creates join as they are made
        t.content_key: t
        for t in Task.objects.select_related("job").filter(content_key__in=content_keys)
    }
    for node in order:
        if node in index:
            i = index[node]
            made[i] = _task_one(
                actor=actor,
                project=project,
                spec=specs[i],
                made=made,
                named=named,
                gate=gate,
                known=known,
            )
    return [made[i] for i in range(len(specs))]


def _key(project: Project, spec: dict[str, Any]) -> str:
    target = {f: spec.get(f) for f in ("episode", "scene", "character")}
    return content_key(
        task_type=spec["task_type"],
        project_id=project.pk,
        target=target,
        parameters=spec.get("parameters", {}),
    )


def batch_estimate(*, project: Project, specs: list[dict[str, Any]]) -> dict[str, Any]:
    """What a batch would queue anew (a spec whose content key exists is reused, free) and
    about what it would cost."""
    keys = {_key(project, spec): spec["task_type"] for spec in specs}
    known = set(Task.objects.filter(content_key__in=keys).values_list("content_key", flat=True))
    new = [t for k, t in keys.items() if k not in known]
    each = {t: task_estimate(t) for t in set(new)}  # one look-up per task type, not per task
    return {"new": len(new), "estimate": sum((each[t] for t in new), Decimal(0))}


def _budget_gate(actor: Any, project: Project, specs: list[dict[str, Any]]) -> Job | None:
    """The batch's estimate (its new, paid tasks) against the owner's budget: a gate they wait
    behind when it would pass what is left (``services.costs``)."""
    estimate = batch_estimate(project=project, specs=specs)["estimate"]
    return gate_for(actor=actor, project=project, estimate=estimate)


def _deps(project: Project, spec: dict, made: dict, named: dict) -> list[Job]:
    jobs: list[Job] = []
    for dep in spec.get("depends_on", []):
        if isinstance(dep, str) and dep in named:
            jobs.append(made[named[dep]][0].job)
            continue
        task = (
            Task.objects.select_related("job").filter(pk=dep, project_id=project.pk).first()
            if isinstance(dep, int) and not isinstance(dep, bool)
            else None
        )
        if task is None:
            raise NotInProject(
                "Unknown dependency.", fields={"depends_on": [f"No task {dep!r} here."]}
            )
        jobs.append(task.job)
    return jobs


def _task_one(
    *,
    actor: Any,
    project: Project,
    spec: dict,
    made: dict,
    named: dict,
    gate: Job | None,
    known: dict[str, Task],
):
    target = _target(project, spec)  # the ids are checked: the key is the spec's own
    parameters = spec.get("parameters", {})
    key = _key(project, spec)
    if key in known:
        return known[key], False
    depends_on = _deps(project, spec, made, named)
    if gate is not None and task_estimate(spec["task_type"]) > 0:
        depends_on.append(gate)  # paused until the budget allows (top up and continue)
    job = job_create(
        kind=KIND,
        payload={"task_type": spec["task_type"]},
        priority=spec.get("priority", 5),
        created_by=actor if getattr(actor, "pk", None) else None,
        scope=scope_of(project.pk),
        enqueue=False,
    )
    task = Task.objects.create(
        job=job,
        task_type=spec["task_type"],
        project=project,
        parameters=parameters,
        content_key=key,
        created_by=job.created_by,
        **target,
    )
    known[key] = task
    Job.objects.filter(pk=job.pk).update(payload={"task": task.pk, "task_type": task.task_type})
    if depends_on:
        try:
            dependencies_add(job=job, depends_on=depends_on)
        except DependencyCycle as exc:
            raise Invalid(f"Dependency cycle: {exc}.", fields={"depends_on": [str(exc)]}) from None
    job.refresh_from_db()
    if job.status == JobStatus.QUEUED:
        job_enqueue(job=job)
    audit_record(
        actor=actor,
        action="studio_task_create",
        target=task,
        after={"type": task.task_type, "depends_on": [j.pk for j in depends_on]},
    )
    return task, True


def task_cancel(*, actor: Any, task: Task) -> bool:
    cancelled = job_cancel(job=task.job, actor=actor)
    if cancelled:
        fal_cancel_open(task=task)
    return cancelled


def task_retry(*, actor: Any, task: Task) -> bool:
    if task.job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise Conflict(f"A {task.job.status} task cannot be retried.")
    return job_retry(job=task.job, actor=actor)


def tasks_prune(*, days: int | None = None) -> int:
    """Delete finished (done or cancelled) tasks older than the retention period, with their
    jobs. Failed tasks stay until someone looks at them. Returns how many went."""
    days = settings.STUDIO_TASK_RETENTION_DAYS if days is None else days
    if days <= 0:
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    old = Job.objects.filter(
        kind=KIND,
        status__in=[JobStatus.DONE, JobStatus.CANCELLED],
        finished_at__lt=cutoff,
    ).values_list("pk", flat=True)
    total = 0
    while batch := list(old[:1000]):
        total += Job.objects.filter(pk__in=batch).delete()[1].get("studio.Task", 0)
    return total


def task_estimated_completion(*, task: Task, now: datetime | None = None) -> datetime | None:
    """When the task should be done: what its generator said (``estimated_completion``), else,
    while it runs, its pace so far carried to 100 % (started + elapsed * 100 / percentage);
    None before it starts, once it ended, or at 0 %."""
    if task.estimated_completion is not None:
        return task.estimated_completion
    job = task.job
    if job.status != JobStatus.RUNNING or job.started_at is None or not 0 < job.progress < 100:
        return None
    elapsed = (now or timezone.now()) - job.started_at
    return job.started_at + elapsed * 100 / job.progress
