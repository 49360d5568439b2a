"""The local voice: a scene's dialogue spoken offline (``media.speech``: Piper's neural voice,
else espeak-ng), one clip per line stored as the project's media (earlier takes stay), then the
scene's track — the lines in order after an opening beat, with the cue of each line — which
assembly turns into shots and subtitles. Each line is a recorded step: a task resumed after a
crash speaks only what is missing."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from jobs.engine import JobContext, PermanentError
from media.speech import SpeechError, Voice, engine, synthesize_many, track_join

from ..generators import Output
from ..models import Character, Media, Scene, Task
from ..services.media import media_create, media_fetch
from ..services.scenes import scene_update

GENERATOR = "local-speech"
LEAD, GAP, TAIL = 1.5, 0.4, 1.0  # seconds: the opening beat, between lines, after the last
WORDS = {
    "slow": ("speed", 0.85),
    "measured": ("speed", 0.92),
    "fast": ("speed", 1.15),
    "quick": ("speed", 1.15),
    "deep": ("pitch", 0.85),
    "low": ("pitch", 0.9),
    "high": ("pitch", 1.15),
    "bright": ("pitch", 1.08),
}
SETTING = re.compile(r"^(speed|pitch)\s*[:=]\s*([0-9.]+)$")


def voice_of(character: Character) -> Voice:
    """The character's voice from their voice profile: words (``slow``, ``deep``, ``high``…)
    or settings (``speed: 1.1``, ``pitch=0.9``), each kept within 0.5 to 2."""
    found: dict[str, float] = {}
    for item in character.voice_characteristics or []:
        text = str(item).strip().lower()
        setting = SETTING.match(text)
        if setting:
            found[setting.group(1)] = float(setting.group(2))
        elif text in WORDS:
            key, value = WORDS[text]
            found.setdefault(key, value)
    clamp = lambda v: min(2.0, max(0.5, v))  # noqa: E731
    return Voice(speed=clamp(found.get("speed", 1.0)), pitch=clamp(found.get("pitch", 1.0)))


def _store(scene: Scene, task: Task, path: Path, name: str, **extra: Any) -> Media:
    return media_create(
        actor=None,
        project=scene.project,
        upload=path,
        filename=name,
        media_type="audio_clip",
        data={
            "scene": scene.pk,
            **({"character": extra["character"]} if "character" in extra else {}),
        },
        provider="local",
        generation_metadata={"generator": GENERATOR, "task_id": task.pk, "engine": engine()},
        technical_data=extra.get("technical", {}),
    )


def speech(ctx: JobContext, task: Task) -> Output:
    """The ``audio_generation`` generator of the embedded default (a scene's dialogue)."""
    scene = Scene.objects.select_related("project").filter(pk=task.scene_id).first()
    if scene is None:
        raise PermanentError("the local voice speaks a scene's dialogue: give the task a scene")
    if not scene.dialogue:
        raise PermanentError(f"scene {scene.scene_number} has no dialogue to speak")
    cast = {c.pk: c for c in Character.objects.filter(project_id=scene.project_id)}
    clips: dict[str, int] = ctx.state.setdefault("clips", {})
    total = len(scene.dialogue)
    todo = [i for i in range(total) if not ctx.done(f"line-{i}")]
    for i in todo:
        if scene.dialogue[i]["character"] not in cast:
            raise PermanentError(f"line {i + 1}: its character was deleted")
    voices = {i: voice_of(cast[scene.dialogue[i]["character"]]) for i in todo}
    with tempfile.TemporaryDirectory() as work:
        paths = [Path(work) / f"line-{i}.wav" for i in todo]
        try:
            lengths = (
                synthesize_many([(scene.dialogue[i]["lines"], voices[i]) for i in todo], paths)
                if todo
                else []
            )
        except SpeechError as exc:
            raise PermanentError(str(exc)) from exc
        for n, i in enumerate(todo):
            line = scene.dialogue[i]
            with ctx.step(f"line-{i}", progress=int(85 * (i + 1) / total), atomic=True):
                media = _store(
                    scene,
                    task,
                    paths[n],
                    f"scene-{scene.scene_number}-line-{i + 1}.wav",
                    character=line["character"],
                    technical={
                        "duration": round(lengths[n], 3),
                        "text": line["lines"],
                        "voice": {"speed": voices[i].speed, "pitch": voices[i].pitch},
                    },
                )
                clips[str(i)] = media.pk
    with ctx.step("track", progress=95, atomic=True):
        track = _track(scene, task, clips, cast)
        scene_update(actor=None, scene=scene, data={"audio_track": track.pk})
    return Output(media=track, result={"clips": [clips[str(i)] for i in range(total)]})


def _track(scene: Scene, task: Task, clips: dict[str, int], cast: dict[int, Character]) -> Media:
    rows = {m.pk: m for m in Media.objects.filter(pk__in=clips.values())}
    with tempfile.TemporaryDirectory() as work:
        paths = []
        for i in range(len(scene.dialogue)):
            path = Path(work) / f"{i}.wav"
            media_fetch(media=rows[clips[str(i)]], dest=path)
            paths.append(path)
        out = Path(work) / "track.wav"
        placed = track_join(paths, out, lead=LEAD, gap=GAP, tail=TAIL)
        cues = [
            {
                "start": round(p.start, 3),
                "end": round(p.end, 3),
                "character": line["character"],
                "speaker": cast[line["character"]].name if line["character"] in cast else "",
                "text": line["lines"],
            }
            for p, line in zip(placed, scene.dialogue, strict=True)
        ]
        duration = round(placed[-1].end + TAIL, 3)
        return _store(
            scene,
            task,
            out,
            f"scene-{scene.scene_number}-track.wav",
            technical={"duration": duration, "cues": cues, "lead": LEAD},
        )
