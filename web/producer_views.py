"""The production studio's pages, under ``/studio/``: sign in or register, the projects, a
project (settings, collaborators, style references, the character bible, episodes, costs), an
episode's scene board, the conversation with the assistant, and the prompt templates. Each
page reads through ``studio``'s policy and selectors — a project the visitor may not read is a
404, as in the API — and everything done on a page goes through ``/api/studio/`` from its
module in ``static/web/producer/``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from studio.models import (
    GENERATORS,
    AspectRatio,
    Character,
    Episode,
    Genre,
    Media,
    MediaStatus,
    MediaType,
    ProjectStatus,
    PromptTemplate,
    QualityTier,
    Scene,
    Session,
    TaskType,
)
from studio.policy import Action, can_write_prompts, project_allows, projects_readable
from studio.selectors import projects_for, prompts_all
from studio.services.costs import budget, project_costs, task_estimate
from studio.services.media import media_url
from studio.services.members import member_get, quota_use
from studio.services.production import episode_estimate, planned_panels
from studio.services.takes import takes_by_panel

DESIGNS = (MediaType.CHARACTER_DESIGN, MediaType.CONCEPT_ART)
ESTIMATED = ("script_generation", "image_generation", "audio_generation", "scene_assembly")


def _signed_in(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and user.kind != "guest"


def _project(request: HttpRequest, pk: int):
    project = (
        projects_readable(request.user).filter(pk=pk).select_related("created_by").first()
        if _signed_in(request)
        else None
    )
    if project is None:
        raise Http404("No such project.")
    return project


def _url(media: Media | None) -> str:
    return media_url(media=media) if media is not None and media.ref else ""


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if not _signed_in(request):
        context = {"telegram_bot": settings.TELEGRAM_LOGIN_BOT_USERNAME}
        return render(request, "web/producer/signin.html", context)
    member = member_get(user=request.user)
    projects = list(projects_for(user=request.user).select_related("created_by")[:200])
    groups = [
        (label, [p for p in projects if p.status == value])
        for value, label in ProjectStatus.choices
    ]
    context = {
        "member": member,
        "quota": quota_use(member=member),
        "budget": budget(user=request.user),
        "groups": [(label, rows) for label, rows in groups if rows],
        "count": len(projects),
        "verified": request.user.kind != "email" or request.user.email_verified,
        "aspects": AspectRatio.values,
        "genres": Genre.choices,
    }
    return render(request, "web/producer/home.html", context)


@require_safe
def project(request: HttpRequest, pk: int) -> HttpResponse:
    found = _project(request, pk)
    designs = Media.objects.filter(media_type__in=DESIGNS).order_by("-created_at", "-id")
    characters = [
        (c, [(m, _url(m)) for m in [*c.reference_images.all(), *c.designs][:8]])
        for c in Character.objects.filter(project=found)
        .prefetch_related(
            "relationships__other",
            "reference_images",
            Prefetch("media", queryset=designs, to_attr="designs"),
        )
        .order_by("name")
    ]
    references = list(found.style_references.all()) + list(
        Media.objects.filter(project=found, media_type=MediaType.STYLE_REFERENCE).exclude(
            pk__in=found.style_references.values("pk")
        )
    )
    costs = project_costs(project=found)
    context = {
        "project": found,
        "owner": project_allows(request.user, found, Action.DELETE),
        "characters": characters,
        "episodes": list(Episode.objects.filter(project=found).order_by("episode_number")),
        "collaborators": list(found.collaborations.select_related("user").order_by("added_at")),
        "references": [(m, _url(m)) for m in references],
        "costs": costs,
        "budget": budget(user=found.created_by),
        "estimates": [(t, task_estimate(t)) for t in ESTIMATED],
        "aspects": AspectRatio.values,
        "tiers": QualityTier.values,
    }
    return render(request, "web/producer/project.html", context)


def _board(episode: Episode) -> list[dict[str, Any]]:
    """Each scene with its panels (picture, takes) and clip, in a fixed number of queries."""
    pictures = (
        Media.objects.filter(episode=episode, media_type=MediaType.STORYBOARD)
        .exclude(status=MediaStatus.ARCHIVED)  # as the takes API
        .order_by("-created_at", "-id")
    )
    scenes = list(
        Scene.objects.filter(episode=episode)
        .select_related("video_segment", "audio_track")
        .prefetch_related("characters", Prefetch("media", queryset=pictures, to_attr="boards"))
        .order_by("scene_number")
    )
    board = []
    for scene in scenes:
        by_id = {m.pk: m for m in scene.boards}
        takes = takes_by_panel(scene.boards)
        panels = []
        for panel in planned_panels(scene):
            shown = by_id.get(panel.get("image"))
            panels.append(
                {
                    **panel,
                    "url": _url(shown),
                    "takes": [(m, _url(m)) for m in takes.get(panel["panel_number"], [])],
                }
            )
        board.append(
            {
                "scene": scene,
                "panels": panels,
                "clip": _url(scene.video_segment),
                "dialogue_id": f"dialogue-{scene.pk}",
            }
        )
    return board


@require_safe
def episode(request: HttpRequest, pk: int) -> HttpResponse:
    found = (
        Episode.objects.select_related("project__catalog_title", "final_video")
        .filter(pk=pk, project__in=projects_readable(request.user))
        .first()
        if _signed_in(request)
        else None
    )
    if found is None:
        raise Http404("No such episode.")
    title = found.project.catalog_title
    context = {
        "episode": found,
        "project": found.project,
        "board": _board(found),
        "final": _url(found.final_video),
        "watch": (
            f"/watch/{title.short_id}/?s=1&e={found.episode_number}"
            if title is not None and found.catalog_episode_id
            else ""
        ),
        "generators": GENERATORS[TaskType.IMAGE],
        "estimate": episode_estimate(episode=found),
        "budget": budget(user=found.project.created_by),
    }
    return render(request, "web/producer/episode.html", context)


@require_safe
def session(request: HttpRequest, pk: int) -> HttpResponse:
    found = _project(request, pk)
    current = (
        Session.objects.filter(project=found, user=request.user)
        .exclude(state="completed")
        .order_by("-updated_at", "-id")
        .first()
    )
    context = {
        "project": found,
        "session": current,
        "episodes": list(Episode.objects.filter(project=found).order_by("episode_number")),
        "characters": list(Character.objects.filter(project=found).order_by("name")),
    }
    return render(request, "web/producer/session.html", context)


@require_safe
def prompts(request: HttpRequest) -> HttpResponse:
    if not (_signed_in(request) and can_write_prompts(request.user)):
        raise Http404("No such page.")
    templates = list(prompts_all()[:200])
    chosen = None
    wanted = request.GET.get("t", "")
    if wanted.isdigit():
        chosen = (
            PromptTemplate.objects.filter(pk=int(wanted))
            .prefetch_related("versions", "labels__version")
            .first()
        )
    return render(request, "web/producer/prompts.html", {"templates": templates, "chosen": chosen})
