"""Projects: create within the tier's quota (verified accounts only), update, status, delete
with everything under it (and its vault objects), collaborators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User, UserKind
from core.audit import audit_record
from jobs.graph import dependency_cancel
from jobs.models import Job, JobStatus

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import Collaborator, Media, Project
from ..policy import Action, project_allows
from .media import refs_purge
from .members import member_get, quota_check_projects

PROJECT_FIELDS = {
    "title",
    "description",
    "genre",
    "episode_count",
    "target_audience",
    "status",
    "aspect_ratio",
    "episode_duration",
    "quality_tier",
    "current_phase",
    "completed_steps",
}


def _check_verified(user: Any) -> None:
    if user.kind == UserKind.GUEST:
        raise Forbidden("Sign in to use the studio.")
    if user.kind == UserKind.EMAIL and not user.email_verified:
        raise Forbidden("Verify your email address before creating projects.")


def _clean(project: Project) -> None:
    try:
        project.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise Invalid("The project has invalid values.", fields=exc.message_dict) from None


@transaction.atomic
def project_create(*, actor: Any, data: dict[str, Any]) -> Project:
    _check_verified(actor)
    member_get(user=actor)
    quota_check_projects(user=actor)
    project = Project(created_by=actor, **{k: v for k, v in data.items() if k in PROJECT_FIELDS})
    _clean(project)
    project.save()
    audit_record(actor=actor, action="studio_project_create", target=project, after=data)
    return project


@transaction.atomic
def project_update(*, actor: Any, project: Project, data: dict[str, Any]) -> Project:
    if not project_allows(actor, project, Action.UPDATE):
        raise NotFound("No such project.")
    project = Project.objects.select_for_update().get(pk=project.pk)
    changes = {k: v for k, v in data.items() if k in PROJECT_FIELDS}
    before = {k: getattr(project, k) for k in changes}
    for key, value in changes.items():
        setattr(project, key, value)
    _clean(project)
    project.save()
    if "status" in changes:
        Collaborator.objects.filter(project=project).update(project_status=project.status)
    audit_record(
        actor=actor, action="studio_project_update", target=project, before=before, after=changes
    )
    return project


@transaction.atomic
def project_delete(*, actor: Any, project: Project) -> dict[str, int]:
    """Delete the project and everything under it: its tasks are cancelled (a running one
    stops at its next heartbeat) and deleted, and its media's vault objects are removed by a
    purge job once this commits (objects another project still uses are kept)."""
    if not project_allows(actor, project, Action.READ):
        raise NotFound("No such project.")
    if not project_allows(actor, project, Action.DELETE):
        raise Forbidden("Only the project's owner or an admin may delete it.")
    job_ids = list(Job.objects.filter(studio_task__project=project).values_list("pk", flat=True))
    dependency_cancel(job_ids=job_ids, reason=f"project {project.pk} deleted")
    refs = set(
        Media.objects.filter(project=project).exclude(ref="").values_list("ref", flat=True)
    ) | set(
        Media.objects.filter(project=project)
        .exclude(thumbnail_ref="")
        .values_list("thumbnail_ref", flat=True)
    )
    counts = {
        "episodes": project.episodes.count(),
        "scenes": project.scenes.count(),
        "characters": project.characters.count(),
        "media": project.media.count(),
        "tasks": len(job_ids),
    }
    audit_record(
        actor=actor,
        action="studio_project_delete",
        target=project,
        before={"title": project.title, **counts},
    )
    Job.objects.filter(pk__in=job_ids).delete()
    project.delete()
    refs_purge(refs=refs)
    return counts


def _user_by_handle(handle: str) -> User:
    handle = handle.strip()
    user = (
        User.objects.filter(email__iexact=handle, email_verified=True).first()
        if "@" in handle
        else User.objects.filter(username__iexact=handle).first()
    )
    if user is None or user.kind == UserKind.GUEST or not user.is_active:
        raise Invalid("No such user.", fields={"user": ["No user with that email or username."]})
    return user


@transaction.atomic
def project_collaborator_add(*, actor: Any, project: Project, handle: str) -> Collaborator:
    """Invite a user (by verified email or username) to work on the project. Idempotent."""
    if not project_allows(actor, project, Action.READ):
        raise NotFound("No such project.")
    if not project_allows(actor, project, Action.DELETE):
        raise Forbidden("Only the project's owner or an admin adds collaborators.")
    user = _user_by_handle(handle)
    if user.pk == project.created_by_id:
        raise Conflict("The owner is not a collaborator of their own project.")
    collaborator, created = Collaborator.objects.get_or_create(
        project=project, user=user, defaults={"project_status": project.status}
    )
    if created:
        audit_record(
            actor=actor,
            action="studio_collaborator_add",
            target=project,
            after={"user": user.pk},
        )
    return collaborator


@transaction.atomic
def project_collaborator_remove(*, actor: Any, project: Project, user_id: int) -> bool:
    """Owner and admins remove anyone; a collaborator may leave. Idempotent."""
    if not project_allows(actor, project, Action.READ):
        raise NotFound("No such project.")
    if not (project_allows(actor, project, Action.DELETE) or actor.pk == user_id):
        raise Forbidden("Only the project's owner or an admin removes collaborators.")
    deleted, _ = Collaborator.objects.filter(project=project, user_id=user_id).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="studio_collaborator_remove",
            target=project,
            before={"user": user_id},
        )
    return bool(deleted)


def project_job_statuses(*, project: Project) -> dict[str, int]:
    """How many of the project's tasks are in each state."""
    rows = Job.objects.filter(scope=f"studio-project:{project.pk}").values_list("status")
    counts: dict[str, int] = {status: 0 for status in JobStatus.values}
    for (status,) in rows:
        counts[status] += 1
    return counts
