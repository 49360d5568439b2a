"""Studio members: the profile made on first use, preferences, roles, tiers and quotas."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from core.audit import audit_record

from ..errors import Forbidden, Invalid, QuotaExceeded
from ..models import Member, Project, StudioRole, Theme, Tier


def tier_get(*, name: str) -> Tier:
    """The tier row; made from ``STUDIO_TIERS`` if it is missing (a fresh or flushed db)."""
    tier = Tier.objects.filter(name=name).first()
    if tier is not None:
        return tier
    limits = settings.STUDIO_TIERS.get(name)
    if limits is None:
        raise Invalid(f"No tier named {name!r}.", fields={"tier": ["Unknown tier."]})
    tier, _ = Tier.objects.get_or_create(name=name, defaults=limits)
    return tier


def member_get(*, user: Any) -> Member:
    """The user's studio profile, made with the default tier on first use."""
    member = Member.objects.select_related("tier").filter(user_id=user.pk).first()
    if member is not None:
        return member
    tier = tier_get(name=settings.STUDIO_DEFAULT_TIER)
    member, _ = Member.objects.select_related("tier").get_or_create(
        user_id=user.pk, defaults={"tier": tier}
    )
    return member


PREFERENCES = ("theme", "notifications", "language")


@transaction.atomic
def member_update(*, actor: Any, member: Member, changes: dict[str, Any]) -> Member:
    """Preferences by the member; role, tier and budget top-up only by studio admins
    (audited)."""
    admin_only = {"role", "tier", "budget_top_up"} & changes.keys()
    if admin_only and not (actor.is_superuser or member_get(user=actor).role == StudioRole.ADMIN):
        raise Forbidden("Only studio admins change roles, tiers and budgets.")
    before = {k: str(getattr(member, k if k != "tier" else "tier_id")) for k in changes}
    if "theme" in changes and changes["theme"] not in Theme.values:
        raise Invalid("Unknown theme.", fields={"theme": [f"One of {', '.join(Theme.values)}."]})
    if "role" in changes and changes["role"] not in StudioRole.values:
        raise Invalid("Unknown role.", fields={"role": ["One of user, producer, admin."]})
    for key, value in changes.items():
        if key == "tier":
            member.tier = tier_get(name=value)
        else:
            setattr(member, key, value)
    member.save()
    audit_record(
        actor=actor,
        action="studio_member_update",
        target=member,
        before=before,
        after={k: str(v) for k, v in changes.items()},
    )
    return member


def quota_use(*, member: Member) -> dict[str, Any]:
    """What the member's tier allows and what is used of it (the API and the pages show it)."""
    owned = Project.objects.filter(created_by_id=member.user_id).count()
    return {
        "tier": member.tier.name,
        "max_projects": member.tier.max_projects,
        "projects_used": owned,
        "projects_left": max(0, member.tier.max_projects - owned),
        "max_episodes_per_project": member.tier.max_episodes_per_project,
        "features": list(member.tier.features),
    }


def quota_check_projects(*, user: Any) -> None:
    """Refuse a new project past the tier's limit. Locks the member row, so two requests at
    once cannot both take the last slot."""
    member = (
        Member.objects.select_for_update().select_related("tier").get(pk=member_get(user=user).pk)
    )
    owned = Project.objects.filter(created_by_id=user.pk).count()
    if owned >= member.tier.max_projects:
        raise QuotaExceeded(
            f"Your {member.tier.name} tier allows {member.tier.max_projects} projects and you "
            f"have {owned}; delete one or move to a larger tier."
        )


def quota_check_episodes(*, project: Project) -> None:
    """Refuse an episode past the owner's tier limit (the caller holds the project's lock)."""
    owner = member_get(user=project.created_by)
    count = project.episodes.count()
    limit = owner.tier.max_episodes_per_project
    if count >= limit:
        raise QuotaExceeded(
            f"The {owner.tier.name} tier allows {limit} episodes per project; "
            f"this project has {count}."
        )
