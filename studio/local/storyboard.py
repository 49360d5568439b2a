"""The local image generator: a scene's storyboard, one picture per panel, drawn offline
(``studio.local.drawing``) and stored as the project's media; the scene's panels then point at
their pictures. A scene without panels gets an establishing shot and one panel per dialogue
line. Each panel is a recorded step, so a task resumed after a crash draws only what is
missing."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from jobs.engine import JobContext, PermanentError

from ..generators import Output
from ..models import Character, Media, Scene, Task
from ..services.media import media_create
from ..services.production import is_take, panels_attach, panels_to_draw, planned_panels
from .drawing import Figure, PanelSpec, colour_of, draw_panel

GENERATOR = "local-storyboard"


def _specs(scene: Scene, panels: list[dict[str, Any]]) -> list[PanelSpec]:
    cast = {c.pk: c for c in Character.objects.filter(project_id=scene.project_id)}
    order = {c.pk: i for i, c in enumerate(sorted(cast.values(), key=lambda c: c.pk))}

    def figure(pk: int) -> Figure:
        c = cast[pk]
        return Figure(name=c.name, colour=colour_of(c.color_palette, order[pk]))

    in_scene = [
        pk for pk in scene.characters.order_by("pk").values_list("pk", flat=True) if pk in cast
    ]
    lines = [line for line in scene.dialogue if line.get("character") in cast]
    # The panels carry the dialogue lines in order, after an establishing shot if they open
    # with one (as the panels made for a scene without any do, so a second run matches).
    opening = str(panels[0].get("camera_angle") or "").lower() if panels else ""
    offset = 1 if "establishing" in opening else 0
    specs = []
    for i, panel in enumerate(panels):
        n = i - offset
        line = lines[n] if 0 <= n < len(lines) else None
        speaker = [line["character"]] if line else []
        cast_here = speaker + [pk for pk in in_scene if pk not in speaker]
        caption = f"{cast[line['character']].name}: {line['lines']}" if line else ""
        specs.append(
            PanelSpec(
                scene_number=scene.scene_number,
                panel_number=panel["panel_number"],
                camera_angle=str(panel.get("camera_angle") or ""),
                description=str(panel.get("description") or ""),
                location=scene.location,
                time_of_day=scene.time_of_day,
                figures=tuple(figure(pk) for pk in cast_here),
                caption=caption,
            )
        )
    return specs


def _described(spec: PanelSpec) -> str:
    """What the panel shows, in words (what similar-media search reads)."""
    who = ", ".join(f.name for f in spec.figures)
    parts = [
        f"{spec.camera_angle or 'shot'}: {spec.description}",
        f"{spec.location} ({spec.time_of_day})" if spec.location else "",
        f"with {who}" if who else "",
        spec.caption,
    ]
    return ". ".join(p for p in parts if p.strip())[:2000]


def storyboard(ctx: JobContext, task: Task) -> Output:
    scene = Scene.objects.select_related("project").filter(pk=task.scene_id).first()
    if scene is None:
        raise PermanentError(
            "the local image generator draws a scene's storyboard: give the task a scene"
        )
    task.scene = scene
    panels = panels_to_draw(task)
    drawn: dict[str, int] = ctx.state.setdefault("panels", {})
    specs = _specs(scene, planned_panels(scene))
    wanted = {p["panel_number"]: p for p in panels}
    for spec in specs:
        if spec.panel_number not in wanted:
            continue
        spec = replace(spec, description=str(wanted[spec.panel_number].get("description") or ""))
        name = f"panel-{spec.panel_number}"
        if ctx.done(name):
            continue
        with ctx.step(name, progress=int(90 * (len(drawn) + 1) / len(panels)), atomic=True):
            png, technical = draw_panel(spec, scene.project.aspect_ratio)
            with tempfile.TemporaryDirectory() as work:
                path = Path(work) / "panel.png"
                path.write_bytes(png)
                media = media_create(
                    actor=None,
                    project=scene.project,
                    upload=path,
                    filename=f"scene-{scene.scene_number}-panel-{spec.panel_number}.png",
                    media_type="storyboard",
                    data={
                        "scene": scene.pk,
                        "episode": scene.episode_id,
                        "description": _described(spec),
                    },
                    provider="local",
                    generation_metadata={
                        "generator": GENERATOR,
                        "task_id": task.pk,
                        "scene": scene.pk,
                        "panel_number": spec.panel_number,
                        "take": task.parameters.get("take", 1),
                        "prompt": spec.description,
                    },
                    technical_data=technical,
                )
            drawn[str(spec.panel_number)] = media.pk
    if is_take(task):  # kept beside the others until the producer picks it
        take = Media.objects.get(pk=drawn[str(panels[0]["panel_number"])])
        return Output(media=take, result={"panel": panels[0]["panel_number"], "media": take.pk})
    with ctx.step("attach", atomic=True):
        images = {int(n): pk for n, pk in drawn.items()}
        panels = panels_attach(scene=scene, images=images)
    first = Media.objects.filter(pk=drawn.get(str(panels[0]["panel_number"]))).first()
    return Output(
        media=first,
        result={
            "panels": [{"panel_number": p["panel_number"], "media": p["image"]} for p in panels]
        },
    )
