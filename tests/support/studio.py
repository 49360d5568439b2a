"""A studio generator for the tests' real Celery workers (chosen by the tests through
``STUDIO_GENERATORS``): draws a real PNG with Pillow after a number of recorded steps, each
taking ``step_seconds``, so a worker can be killed in the middle."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

from jobs.engine import JobContext, PermanentError
from studio.generators import Output
from studio.models import Task
from studio.services.media import media_create


def slow_image(ctx: JobContext, task: Task) -> Output:
    params = task.parameters
    steps = int(params.get("steps", 3))
    for n in range(steps):
        name = f"frame-{n}"
        if ctx.done(name):
            continue
        with ctx.step(name, progress=int(90 * (n + 1) / steps)):
            time.sleep(float(params.get("step_seconds", 0.1)))
            ctx.state.setdefault("frames", []).append(n)
    if params.get("fail"):
        raise PermanentError(str(params["fail"]))
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "panel.png"
        picture = Image.new("RGB", (64, 36), "white")
        ImageDraw.Draw(picture).text((4, 12), str(params.get("label", task.pk)), fill="black")
        picture.save(path, "PNG")
        with ctx.step("store", atomic=True):
            media = media_create(
                actor=None,
                project=task.project,
                upload=path,
                filename="panel.png",
                media_type="storyboard",
                provider="local",
                generation_metadata={"task_id": task.pk},
            )
            ctx.state["media"] = media.pk
    return Output(media=media, result={"frames": ctx.state["frames"]})
