"""What hangs under a project: episodes (within the tier's quota), characters and their
relationships, scenes (numbered, reordered, with dialogue and storyboard panels checked
against the project) — and the derived counters, recomputed under the episode's row lock so
concurrent writers never leave them wrong."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q, Sum

from core.audit import audit_record

from ..errors import Conflict, Invalid, NotFound, NotInProject
from ..models import Character, Episode, Media, Project, Relationship, Scene, SceneStatus
from .members import quota_check_episodes

EPISODE_FIELDS = {
    "episode_number",
    "title",
    "description",
    "logline",
    "summary",
    "themes",
    "status",
    "script",
    "estimated_duration",
    "duration",
    "final_video",
    "thumbnail",
}
CHARACTER_FIELDS = {
    "name",
    "description",
    "age",
    "gender",
    "personality",
    "backstory",
    "motivations",
    "final_design",
    "style_notes",
    "color_palette",
    "voice_id",
    "audio_sample",
    "voice_characteristics",
}
SCENE_FIELDS = {
    "scene_number",
    "title",
    "action",
    "dialogue",
    "duration",
    "panels",
    "status",
    "video_segment",
    "audio_track",
    "location",
    "time_of_day",
    "mood",
}
MEDIA_LINKS = {
    "final_video",
    "thumbnail",
    "final_design",
    "audio_sample",
    "video_segment",
    "audio_track",
}


def _clean(row: models.Model, *, exclude: list[str]) -> None:
    try:
        row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise Invalid("Some values are not valid.", fields=exc.message_dict) from None


def _media_of(project: Project, value: Any, field: str) -> Media | None:
    if value in (None, ""):
        return None
    media_id = value.pk if isinstance(value, Media) else value
    media = (
        Media.objects.filter(pk=media_id, project=project).first()
        if isinstance(media_id, int)
        else None
    )
    if media is None:
        raise NotInProject("Unknown media.", fields={field: ["No such media in this project."]})
    return media


def _strings(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Invalid("A list of strings.", fields={field: ["A list of strings."]})
    return value


def _apply(row: models.Model, project: Project, data: dict[str, Any], allowed: set[str]) -> dict:
    changes = {k: v for k, v in data.items() if k in allowed}
    for key, value in changes.items():
        if key in MEDIA_LINKS:
            value = _media_of(project, value, key)
        elif key in (
            "themes",
            "personality",
            "motivations",
            "color_palette",
            "voice_characteristics",
        ):
            value = _strings(value, key)
        setattr(row, key, value)
    return changes


def _audit(actor: Any, action: str, row: models.Model, changes: dict[str, Any]) -> None:
    after = {k: (v.pk if isinstance(v, models.Model) else v) for k, v in changes.items()}
    audit_record(actor=actor, action=action, target=row, after=after)


# --- counters ---------------------------------------------------------------------------------


def counters_refresh(*, episode_id: int) -> None:
    """Recompute an episode's scene counters and its project's overall progress from the rows,
    holding the episode's and the project's row locks (call inside the writer's transaction)."""
    episode = Episode.objects.select_for_update().get(pk=episode_id)
    project = Project.objects.select_for_update().get(pk=episode.project_id)
    stats = Scene.objects.filter(episode_id=episode_id).aggregate(
        total=Count("id"), approved=Count("id", filter=Q(status=SceneStatus.APPROVED))
    )
    episode.scene_count = stats["total"]
    episode.completed_scenes = stats["approved"]
    episode.render_progress = (
        round(100 * stats["approved"] / stats["total"]) if stats["total"] else 0
    )
    Episode.objects.filter(pk=episode_id).update(
        scene_count=episode.scene_count,
        completed_scenes=episode.completed_scenes,
        render_progress=episode.render_progress,
    )
    totals = Episode.objects.filter(project_id=project.pk).aggregate(
        scenes=Sum("scene_count"), done=Sum("completed_scenes")
    )
    overall = round(100 * (totals["done"] or 0) / totals["scenes"]) if totals["scenes"] else 0
    Project.objects.filter(pk=project.pk).update(overall_progress=overall)


# --- episodes ---------------------------------------------------------------------------------


@transaction.atomic
def episode_create(*, actor: Any, project: Project, data: dict[str, Any]) -> Episode:
    project = Project.objects.select_for_update().get(pk=project.pk)  # quota: one at a time
    quota_check_episodes(project=project)
    episode = Episode(project=project)
    changes = _apply(episode, project, data, EPISODE_FIELDS)
    if "episode_number" not in changes:
        last = project.episodes.aggregate(n=models.Max("episode_number"))["n"] or 0
        episode.episode_number = last + 1
    _script_facts(episode, changes)
    _clean(episode, exclude=["project", "final_video", "thumbnail"])
    if Episode.objects.filter(project=project, episode_number=episode.episode_number).exists():
        raise Conflict(f"Episode {episode.episode_number} already exists in this project.")
    episode.save()
    _audit(actor, "studio_episode_create", episode, changes)
    return episode


def _script_facts(episode: Episode, changes: dict[str, Any]) -> None:
    if "script" in changes:
        episode.script_version += 1
        episode.word_count = len(episode.script.split())


@transaction.atomic
def episode_update(*, actor: Any, episode: Episode, data: dict[str, Any]) -> Episode:
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    changes = _apply(episode, episode.project, data, EPISODE_FIELDS)
    _script_facts(episode, changes)
    _clean(episode, exclude=["project", "final_video", "thumbnail"])
    try:
        with transaction.atomic():
            episode.save()
    except IntegrityError:
        raise Conflict(f"Episode {episode.episode_number} already exists.") from None
    _audit(actor, "studio_episode_update", episode, changes)
    return episode


@transaction.atomic
def episode_delete(*, actor: Any, episode: Episode) -> None:
    audit_record(
        actor=actor,
        action="studio_episode_delete",
        target=episode,
        before={"number": episode.episode_number, "title": episode.title},
    )
    episode.delete()


# --- characters -------------------------------------------------------------------------------


@transaction.atomic
def character_create(*, actor: Any, project: Project, data: dict[str, Any]) -> Character:
    character = Character(project=project)
    changes = _apply(character, project, data, CHARACTER_FIELDS)
    _clean(character, exclude=["project", "final_design", "audio_sample"])
    character.save()
    _audit(actor, "studio_character_create", character, changes)
    return character


@transaction.atomic
def character_update(*, actor: Any, character: Character, data: dict[str, Any]) -> Character:
    changes = _apply(character, character.project, data, CHARACTER_FIELDS)
    _clean(character, exclude=["project", "final_design", "audio_sample"])
    character.save()
    _audit(actor, "studio_character_update", character, changes)
    return character


@transaction.atomic
def character_delete(*, actor: Any, character: Character) -> None:
    audit_record(
        actor=actor,
        action="studio_character_delete",
        target=character,
        before={"name": character.name},
    )
    character.delete()


@transaction.atomic
def character_relationship_set(
    *, actor: Any, character: Character, other_id: int, relationship_type: str, description: str
) -> Relationship:
    other = Character.objects.filter(pk=other_id, project_id=character.project_id).first()
    if other is not None and other.pk == character.pk:
        raise Conflict("A character has no relationship to itself.")
    if other is None:
        raise NotFound(
            "No such character in this project.", fields={"other": ["Not in this project."]}
        )
    if not relationship_type.strip():
        raise Invalid("A relationship type.", fields={"relationship_type": ["Required."]})
    rel, _ = Relationship.objects.update_or_create(
        character=character,
        other=other,
        defaults={"relationship_type": relationship_type.strip(), "description": description},
    )
    audit_record(
        actor=actor,
        action="studio_relationship_set",
        target=character,
        after={"other": other.pk, "type": rel.relationship_type},
    )
    return rel


@transaction.atomic
def character_relationship_remove(*, actor: Any, character: Character, other_id: int) -> bool:
    deleted, _ = Relationship.objects.filter(character=character, other_id=other_id).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="studio_relationship_remove",
            target=character,
            before={"other": other_id},
        )
    return bool(deleted)


def character_appearances(*, character: Character) -> list[dict[str, Any]]:
    """Where a character appears: per episode, its scenes and screen time (derived from the
    scenes, so it is never out of date)."""
    rows = (
        Scene.objects.filter(characters=character)
        .order_by("episode__episode_number", "scene_number")
        .values_list("episode_id", "id", "duration")
    )
    by_episode: dict[int, dict[str, Any]] = {}
    for episode_id, scene_id, duration in rows:
        entry = by_episode.setdefault(
            episode_id, {"episode": episode_id, "scenes": [], "screen_time": 0}
        )
        entry["scenes"].append(scene_id)
        entry["screen_time"] += duration
    return list(by_episode.values())
