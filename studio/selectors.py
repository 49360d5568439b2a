"""The studio's reads, each shaped for an index: a user's projects by status, an episode's
scenes in order, the queued tasks by priority, a project's media by type, and full-text search
on project titles and character names (PostgreSQL's GIN indexes over
``to_tsvector('simple', …)``; a substring match on SQLite)."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet

from jobs.models import Job, JobStatus

from .models import Character, Collaborator, Media, Project, PromptTemplate, Scene, Task
from .policy import projects_readable, under_projects

WORD = re.compile(r"\w+", re.UNICODE)


def _prefix_query(q: str) -> str:
    """As one types: ``"red plan"`` → ``"red & plan:*"`` — the words before the last are whole
    words, the last may be the start of one (a whole word too when the text ends with a space);
    nothing else passes. Whole words are found and counted by the index's statistics, so a
    common word's matches are read newest first and the search stops at a page, where a prefix
    of each word made PostgreSQL collect and sort every match."""
    words = WORD.findall(q.lower())[:8]
    if not words:
        return ""
    last = words[-1] if q[-1:].isspace() else f"{words[-1]}:*"
    return " & ".join([*words[:-1], last])


def _search(queryset: QuerySet, column: str, q: str) -> QuerySet:
    words = _prefix_query(q)
    if not words:
        return queryset
    if connection.vendor == "postgresql":
        table = queryset.model._meta.db_table
        return queryset.extra(
            where=[f"to_tsvector('simple', {table}.{column}) @@ to_tsquery('simple', %s)"],
            params=[words],
        )
    for word in WORD.findall(q)[:8]:
        queryset = queryset.filter(**{f"{column}__icontains": word})
    return queryset


def projects_for(*, user: Any, status: str = "", q: str = "", role: str = "") -> QuerySet[Project]:
    """The projects ``user`` may read, newest change first. ``role``: ``owner`` (the
    created_by + status index) or ``collaborator`` (the collaborator's user + status index)."""
    if role == "owner":
        qs = Project.objects.filter(created_by_id=user.pk)
    elif role == "collaborator":
        links = Collaborator.objects.filter(user_id=user.pk)
        if status:
            links = links.filter(project_status=status)
        qs = Project.objects.filter(pk__in=links.values("project_id"))
    else:
        qs = projects_readable(user)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = _search(qs, "title", q)
    return qs.prefetch_related("collaborations", "style_references").order_by("-updated_at", "-id")


def characters_for(*, project: Project, q: str = "") -> QuerySet[Character]:
    qs = Character.objects.filter(project=project)
    if q:
        qs = _search(qs, "name", q)
    return qs.prefetch_related("relationships", "reference_images").order_by("name", "id")


def scenes_in_order(*, episode_id: int) -> QuerySet[Scene]:
    return (
        Scene.objects.filter(episode_id=episode_id)
        .prefetch_related("characters")
        .order_by("scene_number")
    )


def media_of(*, project: Project, media_type: str = "") -> QuerySet[Media]:
    qs = Media.objects.filter(project=project)
    if media_type:
        qs = qs.filter(media_type=media_type)
    return qs.order_by("-created_at", "-id")


def _tasks(qs: QuerySet[Task]) -> QuerySet[Task]:
    deps = Prefetch("job__depends_on", queryset=Job.objects.select_related("studio_task"))
    return qs.select_related("job").prefetch_related(deps)


def tasks_of(*, project: Project, status: str = "") -> QuerySet[Task]:
    qs = Task.objects.filter(project=project)
    if status:
        qs = qs.filter(job__scope=f"studio-project:{project.pk}", job__status=status)
    return _tasks(qs).order_by("-created_at", "-id")


def tasks_queued(*, user: Any) -> QuerySet[Task]:
    """The queued tasks ``user`` may see, in the order workers claim them (priority, then
    age): the (status, priority, created_at) index of the jobs."""
    qs = under_projects(Task.objects.filter(job__status=JobStatus.QUEUED), user)
    return _tasks(qs).order_by("-job__priority", "job__created_at", "job_id")


def tasks_listed(*, project: Project, pks: list[int]) -> list[Task]:
    """The project's tasks ``pks``, in that order (one query and its prefetch)."""
    rows = {t.pk: t for t in _tasks(Task.objects.filter(project=project, pk__in=pks))}
    return [rows[pk] for pk in pks]


def task_visible(*, user: Any, pk: int) -> Task | None:
    return _tasks(under_projects(Task.objects.filter(pk=pk), user)).first()


def prompts_all(*, app: str = "", stage: str = "") -> QuerySet[PromptTemplate]:
    qs = PromptTemplate.objects.all()
    if app:
        qs = qs.filter(app=app)
    if stage:
        qs = qs.filter(stage=stage)
    return qs.prefetch_related("labels__version", "versions").order_by("name")
