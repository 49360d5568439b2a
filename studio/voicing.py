"""Voicing a scene, whoever speaks (the local voice or a provider's): each dialogue line spoken
into a clip stored as the project's media (earlier takes stay), then the scene's track — the
lines in order after an opening beat — with each line's cue, which assembly turns into shots
and subtitles. A cue covers the words, not the clip's silences, where the speaker says where
they are (ElevenLabs' alignment). Each line is a recorded step: a task resumed after a crash
speaks only what is missing."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jobs.engine import JobContext, PermanentError
from media.speech import track_join

from .generators import Output
from .models import Character, Media, Scene, Task
from .services.media import media_create, media_fetch
from .services.scenes import scene_update

LEAD, GAP, TAIL = 1.5, 0.4, 1.0  # seconds: the opening beat, between lines, after the last


@dataclass(frozen=True)
class LineSound:
    """A spoken line written to its WAV (``media.speech.RATE``, mono, 16-bit): its length,
    where the words start and end in it, and what it cost."""

    seconds: float
    words_start: float = 0.0
    words_end: float | None = None
    cost: Decimal = Decimal(0)
    facts: dict[str, Any] | None = None


# (lines: [(text, character)], outs) → one LineSound per line, in order.
Speak = Callable[[list[tuple[str, Character]], list[Path]], list[LineSound]]


@dataclass(frozen=True)
class Speaker:
    generator: str  # recorded in each media's generation metadata
    provider: str  # Media.provider
    speak: Speak


def _store(scene: Scene, task: Task, who: Speaker, path: Path, name: str, **kw: Any) -> Media:
    data: dict[str, Any] = {"scene": scene.pk}
    if kw.get("character"):
        data["character"] = kw["character"]
    return media_create(
        actor=None,
        project=scene.project,
        upload=path,
        filename=name,
        media_type="audio_clip",
        data=data,
        provider=who.provider,
        cost=kw.get("cost", 0),
        generation_metadata={"generator": who.generator, "task_id": task.pk},
        technical_data=kw.get("technical", {}),
    )


def scene_speak(ctx: JobContext, task: Task, who: Speaker) -> Output:
    """The ``audio_generation`` work for the task's scene, spoken by ``who``."""
    scene = Scene.objects.select_related("project").filter(pk=task.scene_id).first()
    if scene is None:
        raise PermanentError("a voice speaks a scene's dialogue: give the task a scene")
    if not scene.dialogue:
        raise PermanentError(f"scene {scene.scene_number} has no dialogue to speak")
    cast = {c.pk: c for c in Character.objects.filter(project_id=scene.project_id)}
    clips: dict[str, int] = ctx.state.setdefault("clips", {})
    total = len(scene.dialogue)
    todo = [i for i in range(total) if not ctx.done(f"line-{i}")]
    for i in todo:
        if scene.dialogue[i]["character"] not in cast:
            raise PermanentError(f"line {i + 1}: its character was deleted")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        paths = [work / f"line-{i}.wav" for i in todo]
        lines = [(scene.dialogue[i]["lines"], cast[scene.dialogue[i]["character"]]) for i in todo]
        sounds = who.speak(lines, paths) if todo else []
        for n, i in enumerate(todo):
            line, sound = scene.dialogue[i], sounds[n]
            with ctx.step(f"line-{i}", progress=int(85 * (i + 1) / total), atomic=True):
                media = _store(
                    scene, task, who, paths[n], f"scene-{scene.scene_number}-line-{i + 1}.wav",
                    character=line["character"], cost=sound.cost,
                    technical={
                        "duration": round(sound.seconds, 3),
                        "words": [round(sound.words_start, 3),
                                  round(sound.words_end if sound.words_end is not None
                                        else sound.seconds, 3)],
                        "text": line["lines"],
                        **(sound.facts or {}),
                    },
                )  # fmt: skip
                clips[str(i)] = media.pk
        with ctx.step("track", progress=95, atomic=True):
            track, rows = _track(scene, task, who, clips, cast, work)
            scene_update(actor=None, scene=scene, data={"audio_track": track.pk})
    cost = sum((m.cost for m in rows), Decimal(0))
    return Output(media=track, result={"clips": [clips[str(i)] for i in range(total)]}, cost=cost)


def _track(
    scene: Scene,
    task: Task,
    who: Speaker,
    clips: dict[str, int],
    cast: dict[int, Character],
    work: Path,
) -> tuple[Media, list[Media]]:
    """The scene's track from its clips: those spoken in this run are in ``work`` already;
    only the ones an earlier run stored are fetched from the vault. Returns it and the clips."""
    rows = {m.pk: m for m in Media.objects.filter(pk__in=clips.values())}
    paths, words, used = [], [], []
    for i in range(len(scene.dialogue)):
        media = rows[clips[str(i)]]
        path = work / f"line-{i}.wav"
        if not path.exists():
            media_fetch(media=media, dest=path)
        paths.append(path)
        used.append(media)
        words.append(media.technical_data.get("words") or [0.0, media.technical_data["duration"]])
    out = work / "track.wav"
    placed = track_join(paths, out, lead=LEAD, gap=GAP, tail=TAIL)
    cues = [
        {
            "start": round(p.start + span[0], 3),
            "end": round(min(p.end, p.start + span[1]), 3),
            "character": line["character"],
            "speaker": cast[line["character"]].name if line["character"] in cast else "",
            "text": line["lines"],
        }
        for p, span, line in zip(placed, words, scene.dialogue, strict=True)
    ]
    duration = round(placed[-1].end + TAIL, 3)
    track = _store(
        scene, task, who, out, f"scene-{scene.scene_number}-track.wav",
        technical={"duration": duration, "cues": cues, "lead": LEAD},
    )  # fmt: skip
    return track, used
