"""Scenes: numbered within their episode, reordered in one transaction, dialogue lines and
storyboard panels checked against the project, production status moving along its path —
and every write recomputes the episode's counters under its row lock."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from core.audit import audit_record

from ..errors import Conflict, Invalid, NotInProject
from ..models import Character, Episode, Media, Scene, SceneStatus
from .content import SCENE_FIELDS, _apply, _audit, _clean, counters_refresh

S = SceneStatus
# Where a scene's production may go from each state.
NEXT = {
    S.PENDING: {S.GENERATING},
    S.GENERATING: {S.REVIEWING, S.FAILED},
    S.REVIEWING: {S.APPROVED, S.FAILED, S.GENERATING},
    S.APPROVED: {S.REVIEWING, S.GENERATING},
    S.FAILED: {S.GENERATING, S.PENDING},
}
RENUMBER_OFFSET = 1_000_000


def _dialogue_clean(episode: Episode, lines: Any) -> list[dict[str, Any]]:
    if not isinstance(lines, list):
        raise Invalid("Dialogue is a list of lines.", fields={"dialogue": ["A list."]})
    known = set(
        Character.objects.filter(project_id=episode.project_id).values_list("pk", flat=True)
    )
    clean = []
    for i, line in enumerate(lines):
        where = f"dialogue[{i}]"
        if not isinstance(line, dict):
            raise Invalid("Each line is an object.", fields={where: ["An object."]})
        character, text = line.get("character"), line.get("lines")
        if not isinstance(character, int) or isinstance(character, bool) or character not in known:
            raise NotInProject(
                "Unknown character.", fields={where: ["A character of this project."]}
            )
        if not isinstance(text, str) or not text.strip():
            raise Invalid("A line needs its words.", fields={where: ["lines: required text."]})
        emotion = line.get("emotion", "")
        timing = line.get("timing", 0)
        if (
            not isinstance(emotion, str)
            or not isinstance(timing, int | float)
            or isinstance(timing, bool)
            or timing < 0
        ):
            raise Invalid("Bad emotion or timing.", fields={where: ["emotion: text; timing ≥ 0."]})
        clean.append({"character": character, "lines": text, "emotion": emotion, "timing": timing})
    return clean


def _panels_clean(episode: Episode, panels: Any) -> list[dict[str, Any]]:
    if not isinstance(panels, list):
        raise Invalid("Panels are a list.", fields={"panels": ["A list."]})
    clean, numbers = [], set()
    for i, panel in enumerate(panels):
        where = f"panels[{i}]"
        if not isinstance(panel, dict):
            raise Invalid("Each panel is an object.", fields={where: ["An object."]})
        number = panel.get("panel_number")
        if (
            not isinstance(number, int)
            or isinstance(number, bool)
            or number < 1
            or number in numbers
        ):
            raise Invalid("Bad panel number.", fields={where: ["A unique number from 1."]})
        numbers.add(number)
        image = panel.get("image")
        if image is not None and not (
            isinstance(image, int)
            and Media.objects.filter(pk=image, project_id=episode.project_id).exists()
        ):
            raise NotInProject(
                "Unknown image.", fields={where: ["image: a media of this project."]}
            )
        texts = {k: panel.get(k, "") for k in ("description", "camera_angle", "notes")}
        if not all(isinstance(v, str) for v in texts.values()):
            raise Invalid("Panel texts are strings.", fields={where: ["Text values."]})
        picked = panel.get("picked", False)
        if not isinstance(picked, bool):
            raise Invalid("picked is true or false.", fields={where: ["picked: a boolean."]})
        clean.append({"panel_number": number, "image": image, **texts, "picked": picked})
    return sorted(clean, key=lambda p: p["panel_number"])


def _characters(episode: Episode, ids: Any) -> list[Character]:
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise Invalid("A list of character ids.", fields={"characters": ["A list of ids."]})
    found = list(Character.objects.filter(pk__in=ids, project_id=episode.project_id))
    if len(found) != len(set(ids)):
        raise NotInProject(
            "Unknown character.", fields={"characters": ["Characters of this project."]}
        )
    return found


def _prepare(scene: Scene, episode: Episode, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    if "dialogue" in data:
        data["dialogue"] = _dialogue_clean(episode, data["dialogue"])
    if "panels" in data:
        data["panels"] = _panels_clean(episode, data["panels"])
    if "status" in data and data["status"] != scene.status:
        target = data["status"]
        if target not in S.values:
            raise Invalid("Unknown status.", fields={"status": [f"One of {', '.join(S.values)}."]})
        if scene.pk and target not in NEXT[S(scene.status)]:
            raise Conflict(f"A {scene.status} scene cannot become {target}.")
        if target == S.GENERATING:
            scene.attempts += 1
            scene.last_attempt = timezone.now()
    changes = _apply(scene, episode.project, data, SCENE_FIELDS)
    _clean(scene, exclude=["project", "episode", "video_segment", "audio_track"])
    return changes


@transaction.atomic
def scene_create(*, actor: Any, episode: Episode, data: dict[str, Any]) -> Scene:
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    scene = Scene(episode=episode, project_id=episode.project_id)
    if "status" in data and data["status"] != S.PENDING:
        raise Invalid("A new scene is pending.", fields={"status": ["pending"]})
    characters = _characters(episode, data["characters"]) if "characters" in data else None
    last = episode.scenes.aggregate(n=models.Max("scene_number"))["n"] or 0
    scene.scene_number = last + 1
    changes = _prepare(scene, episode, {k: v for k, v in data.items() if k != "characters"})
    if Scene.objects.filter(episode=episode, scene_number=scene.scene_number).exists():
        raise Conflict(f"Scene {scene.scene_number} already exists in this episode.")
    scene.save()
    if characters is not None:
        scene.characters.set(characters)
    counters_refresh(episode_id=episode.pk)
    _audit(actor, "studio_scene_create", scene, changes)
    return scene


@transaction.atomic
def scene_update(*, actor: Any, scene: Scene, data: dict[str, Any]) -> Scene:
    Episode.objects.select_for_update().filter(pk=scene.episode_id).first()
    scene = Scene.objects.select_for_update().get(pk=scene.pk)
    episode = scene.episode
    characters = _characters(episode, data["characters"]) if "characters" in data else None
    changes = _prepare(scene, episode, {k: v for k, v in data.items() if k != "characters"})
    if (
        "scene_number" in changes
        and Scene.objects.filter(episode=episode, scene_number=scene.scene_number)
        .exclude(pk=scene.pk)
        .exists()
    ):
        raise Conflict(f"Scene {scene.scene_number} already exists; reorder instead.")
    scene.save()
    if characters is not None:
        scene.characters.set(characters)
        changes["characters"] = [c.pk for c in characters]
    counters_refresh(episode_id=episode.pk)
    _audit(actor, "studio_scene_update", scene, changes)
    return scene


@transaction.atomic
def scene_delete(*, actor: Any, scene: Scene) -> None:
    episode_id = scene.episode_id
    Episode.objects.select_for_update().filter(pk=episode_id).first()
    audit_record(
        actor=actor,
        action="studio_scene_delete",
        target=scene,
        before={"number": scene.scene_number, "title": scene.title},
    )
    scene.delete()
    counters_refresh(episode_id=episode_id)


@transaction.atomic
def scene_reorder(*, actor: Any, episode: Episode, order: list[int]) -> list[Scene]:
    """Number the episode's scenes 1… in the order given (every scene, once)."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    scenes = {s.pk: s for s in Scene.objects.select_for_update().filter(episode=episode)}
    if sorted(order) != sorted(scenes) or len(set(order)) != len(order):
        raise Invalid(
            "Give every scene of the episode once.",
            fields={"order": [f"The ids of the episode's {len(scenes)} scenes, each once."]},
        )
    before = {pk: s.scene_number for pk, s in scenes.items()}
    # Two passes: out of the way first, so the unique (episode, number) never clashes.
    Scene.objects.filter(episode=episode).update(
        scene_number=models.F("scene_number") + RENUMBER_OFFSET
    )
    for number, pk in enumerate(order, start=1):
        Scene.objects.filter(pk=pk).update(scene_number=number)
    audit_record(
        actor=actor,
        action="studio_scene_reorder",
        target=episode,
        before={"order": sorted(before, key=before.get)},
        after={"order": order},
    )
    return list(Scene.objects.filter(episode=episode).order_by("scene_number"))
