"""Studio rows made through the services, as the product makes them."""

from __future__ import annotations

import io
import itertools

from PIL import Image

from studio.models import Member, Project, StudioRole
from studio.services import content, media, members, projects, scenes
from tests.factories import StaffFactory, UserFactory

_n = itertools.count(1)


def producer(**kw):
    user = UserFactory(**kw)
    member = members.member_get(user=user)
    Member.objects.filter(pk=member.pk).update(role=StudioRole.PRODUCER)
    return user


def paying(user, top_up: str = "100"):
    """A member with money to spend on paid providers this month."""
    member = members.member_get(user=user)
    Member.objects.filter(pk=member.pk).update(budget_top_up=top_up)
    return user


def studio_admin():
    user = UserFactory()
    member = members.member_get(user=user)
    Member.objects.filter(pk=member.pk).update(role=StudioRole.ADMIN)
    return user


def project_of(owner, **data) -> Project:
    data = {"title": f"Project {next(_n)}", "genre": "drama", "episode_count": 5, **data}
    return projects.project_create(actor=owner, data=data)


def episode_of(project: Project, **data):
    return content.episode_create(
        actor=project.created_by, project=project, data={"title": "Pilot", **data}
    )


def character_of(project: Project, **data):
    return content.character_create(
        actor=project.created_by, project=project, data={"name": "Ada", **data}
    )


def scene_of(episode, **data):
    return scenes.scene_create(
        actor=episode.project.created_by, episode=episode, data={"title": "Opening", **data}
    )


def png_bytes(size=(8, 6), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def media_of(project: Project, *, media_type: str = "concept_art", **data):
    return media.media_create(
        actor=project.created_by,
        project=project,
        upload=io.BytesIO(png_bytes()),
        filename="art.png",
        media_type=media_type,
        data=data,
    )


__all__ = ["StaffFactory", "UserFactory"]
