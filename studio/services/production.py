"""Producing an episode: the graph of tasks that takes it from its synopsis to a video.

    script (only while the episode has no scenes)
      └▶ per scene: storyboard ─┐
                    voice ──────┴▶ scene clip ─┐
                                   ...         ├▶ episode video (+ thumbnail)

Each task's parameters carry a fingerprint of what it is made from (the scene's words, panels,
cast and voices), so its content key changes only when its inputs do: producing again queues
only what changed, and reuses the rest. A failed or cancelled task met again is retried alone.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import transaction

from jobs.engine import PermanentError
from jobs.models import JobStatus

from ..errors import Invalid
from ..models import Character, Episode, Scene, Task, TaskType
from .scenes import scene_update
from .tasks import batch_estimate, task_retry, tasks_create

DEFAULT_SCENES = 3


def planned_panels(scene: Scene) -> list[dict[str, Any]]:
    """The scene's storyboard panels, or, when it has none, the ones the storyboard makes."""
    if scene.panels:
        return [dict(p) for p in sorted(scene.panels, key=lambda p: p["panel_number"])]
    return default_panels(scene)


def panels_to_draw(task: Task) -> list[dict[str, Any]]:
    """What an image task on a scene draws: every planned panel, or for a take
    (``parameters.panel``) that one panel, with the take's own description."""
    panels = planned_panels(task.scene)
    number = task.parameters.get("panel")
    if number is None:
        return panels
    panel = next((p for p in panels if p["panel_number"] == number), None)
    if panel is None:
        raise PermanentError(f"scene {task.scene.scene_number} has no panel {number} now")
    return [{**panel, "description": task.parameters.get("description", panel["description"])}]


def is_take(task: Task) -> bool:
    return task.parameters.get("panel") is not None


def panels_attach(*, scene: Scene, images: dict[int, int]) -> list[dict[str, Any]]:
    """Point the scene's panels at their pictures (panel number → media id); a panel without
    a new picture keeps its own."""
    panels = planned_panels(scene)
    for panel in panels:
        if panel["panel_number"] in images:
            panel["image"], panel["picked"] = images[panel["panel_number"]], False
    scene_update(actor=None, scene=scene, data={"panels": panels})
    return panels


def default_panels(scene: Scene) -> list[dict[str, Any]]:
    """What the storyboard makes of a scene without panels: an establishing shot, then a
    close-up per dialogue line."""
    panels = [
        {
            "panel_number": 1,
            "camera_angle": "establishing",
            "description": scene.action or scene.title,
        }
    ]
    for n in range(2, len(scene.dialogue) + 2):
        panels.append({"panel_number": n, "camera_angle": "close-up", "description": ""})
    return panels


def _digest(value: Any) -> str:
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _fingerprints(scene: Scene, cast: dict[int, Character], aspect: str) -> dict[str, str]:
    # Panels the storyboard made itself (the default ones) are its output, not its input.
    panels = planned_panels(scene) if scene.panels else []
    keys = ("panel_number", "camera_angle", "description")
    if [{k: p.get(k, "") for k in keys} for p in panels] == default_panels(scene):
        panels = []
    people = sorted(c.pk for c in scene.characters.all())
    looks = {pk: [cast[pk].name, cast[pk].color_palette] for pk in people if pk in cast}
    words = [[line["character"], line["lines"]] for line in scene.dialogue]
    board = _digest(
        [
            "board", aspect, scene.action, scene.title, scene.location, scene.time_of_day,
            [[p.get("camera_angle", ""), p.get("description", "")] for p in panels],
            looks, words,
        ]
    )  # fmt: skip
    voices = {
        line["character"]: cast[line["character"]].voice_characteristics
        for line in scene.dialogue
        if line["character"] in cast
    }
    voice = _digest(["voice", words, voices])
    return {"board": board, "voice": voice}


def _retry_failed(pairs: list[tuple[Task, bool]], actor: Any) -> int:
    again = 0
    for task, created in pairs:
        if not created and task.job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
            again += bool(task_retry(actor=actor, task=task))
    return again


def _specs(episode: Episode, rows: list[Scene], burn: bool, scenes: int) -> list[dict[str, Any]]:
    if rows:
        return _graph(episode, rows, burn)
    return [
        {
            "task_type": TaskType.SCRIPT,
            "episode": episode.pk,
            "parameters": {"scenes": scenes, "then_produce": True, "burn": burn},
        }
    ]


def episode_estimate(*, episode: Episode, burn_subtitles: bool = False) -> dict[str, Any]:
    """What producing the episode now would queue anew and about what it would cost (an
    episode without scenes: its script; the scenes' work is estimated once they exist)."""
    rows = list(episode.scenes.prefetch_related("characters").order_by("scene_number"))
    specs = _specs(episode, rows, burn_subtitles, DEFAULT_SCENES)
    return batch_estimate(project=episode.project, specs=specs)


@transaction.atomic
def episode_produce(
    *, actor: Any, episode: Episode, burn_subtitles: bool = False, scenes: int = DEFAULT_SCENES
) -> dict[str, Any]:
    """Queue what the episode still needs. Without scenes, that is its script (``scenes``
    of them), which queues the rest when written. Returns the tasks: ``created`` (new),
    ``reused`` (already made or running), ``retried``."""
    if not isinstance(burn_subtitles, bool):
        raise Invalid("A boolean.", fields={"burn_subtitles": ["true or false."]})
    if not isinstance(scenes, int) or isinstance(scenes, bool) or not 1 <= scenes <= 40:
        raise Invalid("1 to 40 scenes.", fields={"scenes": ["A number from 1 to 40."]})
    project = episode.project
    rows = list(episode.scenes.prefetch_related("characters").order_by("scene_number"))
    specs = _specs(episode, rows, burn_subtitles, scenes)
    pairs = tasks_create(actor=actor, project=project, specs=specs)
    retried = _retry_failed(pairs, actor)
    return {
        "tasks": [task.pk for task, _ in pairs],
        "created": sum(created for _, created in pairs),
        "reused": sum(not created for _, created in pairs),
        "retried": retried,
        "final": pairs[-1][0].pk,
    }


def _graph(episode: Episode, rows: list[Scene], burn: bool) -> list[dict[str, Any]]:
    cast = {c.pk: c for c in Character.objects.filter(project_id=episode.project_id)}
    aspect = episode.project.aspect_ratio
    specs: list[dict[str, Any]] = []
    clips = []
    for scene in rows:
        n = scene.scene_number
        marks = _fingerprints(scene, cast, aspect)
        specs.append(
            {
                "key": f"board-{n}",
                "task_type": TaskType.IMAGE,
                "scene": scene.pk,
                "parameters": {"input": marks["board"]},
            }
        )
        needs = [f"board-{n}"]
        if scene.dialogue:
            needs.append(f"voice-{n}")
            specs.append(
                {
                    "key": f"voice-{n}",
                    "task_type": TaskType.AUDIO,
                    "scene": scene.pk,
                    "parameters": {"input": marks["voice"]},
                }
            )
        # A picture the producer picked (a take) makes a new clip; the storyboard's own do not.
        picks = {p["panel_number"]: p.get("image") for p in scene.panels if p.get("picked")}
        clip = _digest([marks, burn, scene.dialogue == []] + ([picks] if picks else []))
        clips.append(clip)
        specs.append(
            {
                "key": f"clip-{n}",
                "task_type": TaskType.ASSEMBLY,
                "scene": scene.pk,
                "parameters": {"input": clip, "burn_subtitles": burn},
                "depends_on": needs,
            }
        )
    # The episode's pictures become searchable by meaning (similar-media search).
    specs.append(
        {
            "key": "embed",
            "task_type": TaskType.EMBEDDING,
            "episode": episode.pk,
            "parameters": {"input": _digest([clips, settings.STUDIO_EMBEDDER])},
            "depends_on": [f"board-{s.scene_number}" for s in rows],
            "priority": 3,
        }
    )
    specs.append(
        {
            "key": "episode",
            "task_type": TaskType.ASSEMBLY,
            "episode": episode.pk,
            "parameters": {"input": _digest([[s.pk for s in rows], clips])},
            "depends_on": [f"clip-{s.scene_number}" for s in rows],
        }
    )
    return specs
