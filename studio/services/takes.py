"""Takes: one storyboard panel drawn again — with an edited prompt, or by another image
generator — while the earlier pictures stay; the producer then picks the take the panel shows,
and producing the episode again rebuilds only that scene's clip and the episode.

A take is a ``storyboard`` media of the scene whose generation metadata names its panel; the
panel's ``image`` is the approved take, and ``picked`` says the producer chose it (the scene's
clip is made from the picks, so a new pick makes a new clip)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from core.audit import audit_record

from ..errors import Invalid, NotFound
from ..models import GENERATORS, Media, MediaStatus, MediaType, Scene, Task, TaskType
from .production import episode_produce, planned_panels
from .scenes import scene_update
from .tasks import tasks_create

MAX_PROMPT = 2000


def _panel(scene: Scene, number: Any) -> dict[str, Any]:
    if not isinstance(number, int) or isinstance(number, bool):
        raise Invalid("A panel number.", fields={"panel": ["A whole number."]})
    panel = next((p for p in planned_panels(scene) if p["panel_number"] == number), None)
    if panel is None:
        raise NotFound(f"Scene {scene.scene_number} has no panel {number}.")
    return panel


def takes_by_panel(pictures: Iterable[Media]) -> dict[int, list[Media]]:
    """Storyboard pictures grouped by the panel they were drawn for, in the given order."""
    found: dict[int, list[Media]] = {}
    for media in pictures:
        number = (media.generation_metadata or {}).get("panel_number")
        if isinstance(number, int):
            found.setdefault(number, []).append(media)
    return found


def takes_of(*, scene: Scene) -> dict[int, list[Media]]:
    """Every picture drawn for each panel of the scene, newest first."""
    rows = Media.objects.filter(scene=scene, media_type=MediaType.STORYBOARD).exclude(
        status=MediaStatus.ARCHIVED
    )
    return takes_by_panel(rows.order_by("-created_at", "-id"))


@transaction.atomic
def panel_regenerate(
    *, actor: Any, scene: Scene, panel: Any, description: str | None = None, generator: str = ""
) -> Task:
    """Queue a new take of one panel: drawn from ``description`` (else the panel's own) by
    ``generator`` (else the image generator the studio uses). The take is kept beside the
    others; nothing changes on the board until it is picked."""
    current = _panel(scene, panel)
    if description is not None and (
        not isinstance(description, str) or len(description) > MAX_PROMPT
    ):
        raise Invalid("A prompt of text.", fields={"description": [f"At most {MAX_PROMPT}."]})
    if generator and generator not in GENERATORS[TaskType.IMAGE]:
        raise Invalid(
            "Not an image generator.",
            fields={"generator": [", ".join(GENERATORS[TaskType.IMAGE])]},
        )
    prompt = (description if description is not None else current.get("description", "")).strip()
    drawn = sum(len(v) for k, v in takes_of(scene=scene).items() if k == panel)
    asked = Task.objects.filter(scene=scene, parameters__panel=panel).count()
    parameters = {
        "panel": panel,
        "description": prompt,
        "take": max(drawn, asked) + 1,
        "generator": generator,
    }
    [(task, _)] = tasks_create(
        actor=actor,
        project=scene.project,
        specs=[
            {
                "task_type": TaskType.IMAGE,
                "scene": scene.pk,
                "parameters": parameters,
                "priority": 7,
            }
        ],
    )
    return task


@transaction.atomic
def panel_take_pick(*, actor: Any, scene: Scene, panel: Any, media: Any) -> dict[str, Any]:
    """Show ``media`` (one of the panel's takes) in the panel, and queue what the new picture
    changes (the scene's clip, the episode). Picking the take already shown changes nothing."""
    _panel(scene, panel)
    take = next((m for m in takes_of(scene=scene).get(panel, []) if m.pk == media), None)
    if take is None:
        raise NotFound(f"No take {media!r} of panel {panel}.")
    panels = planned_panels(scene)
    target = next(p for p in panels if p["panel_number"] == panel)
    if target.get("image") == take.pk and target.get("picked"):
        return {"changed": False, "produced": None}
    before = target.get("image")
    target["image"], target["picked"] = take.pk, True
    scene_update(actor=actor, scene=scene, data={"panels": panels})
    audit_record(
        actor=actor,
        action="studio_take_pick",
        target=scene,
        before={"panel": panel, "image": before},
        after={"panel": panel, "image": take.pk},
    )
    produced = episode_produce(actor=actor, episode=scene.episode)
    return {"changed": True, "produced": produced}
