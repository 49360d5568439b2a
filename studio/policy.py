"""The studio's one access rule, used by the API, the admin, search, the task queue and the
media URLs:

- a project and everything under it (episodes, characters, scenes, media, sessions, tasks,
  executions) is **read and updated** by its owner, its collaborators and studio admins, and
  **deleted** by its owner and studio admins;
- members read and update themselves; studio admins everything;
- prompt templates are read by every member and written by producers and admins.

Anything a user may not read does not exist for them (the API answers 404, never 403, so an id
does not tell a stranger that the project exists); a user who may read but not do gets 403.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Collaborator, Member, Project, StudioRole


class Action(Enum):
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"


def _member_role(user: Any) -> str:
    member = getattr(user, "_studio_member_cache", None)
    if member is None:
        member = Member.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
        user._studio_member_cache = member or ""
        member = user._studio_member_cache
    return member


def is_studio_admin(user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser) or _member_role(user) == StudioRole.ADMIN


def can_write_prompts(user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return is_studio_admin(user) or _member_role(user) == StudioRole.PRODUCER


def projects_readable(user: Any) -> QuerySet[Project]:
    """The projects ``user`` may read (and so update): owned, collaborating, or all for admins."""
    if user is None or not user.is_authenticated:
        return Project.objects.none()
    if is_studio_admin(user):
        return Project.objects.all()
    collaborating = Collaborator.objects.filter(project=OuterRef("pk"), user_id=user.pk)
    return Project.objects.filter(Q(created_by_id=user.pk) | Exists(collaborating))


def project_ids_readable(user: Any) -> QuerySet:
    return projects_readable(user).values("pk")


def project_allows(user: Any, project: Project, action: Action) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if is_studio_admin(user) or project.created_by_id == user.pk:
        return True
    if action is Action.DELETE:
        return False
    return Collaborator.objects.filter(project_id=project.pk, user_id=user.pk).exists()


def under_projects(queryset: QuerySet, user: Any, *, field: str = "project") -> QuerySet:
    """Rows of a model under projects (``field`` names its project FK) that ``user`` may read."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    if is_studio_admin(user):
        return queryset
    return queryset.filter(**{f"{field}__in": project_ids_readable(user)})
