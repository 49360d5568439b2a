"""The local voice: a scene's dialogue spoken offline (``media.speech``: Piper's neural voice,
else espeak-ng), each character with the speed and pitch of their voice profile; the clips,
the track and the cues are ``studio.voicing``'s."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from jobs.engine import JobContext, PermanentError
from media.speech import SpeechError, Voice, engine, synthesize_many

from ..errors import Invalid
from ..generators import Output
from ..models import Character, Media, Task
from ..services.media import media_create
from ..voicing import LineSound, Speaker, scene_speak

GENERATOR = "local-speech"
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


def _speak(lines: list[tuple[str, Character]], outs: list[Path]) -> list[LineSound]:
    voices = [voice_of(character) for _, character in lines]
    try:
        lengths = synthesize_many(
            [(text, voice) for (text, _), voice in zip(lines, voices, strict=True)], outs
        )
    except SpeechError as exc:
        raise PermanentError(str(exc)) from exc
    return [
        LineSound(
            seconds=seconds,
            facts={"engine": engine(), "voice": {"speed": voice.speed, "pitch": voice.pitch}},
        )
        for seconds, voice in zip(lengths, voices, strict=True)
    ]


LOCAL = Speaker(generator=GENERATOR, provider="local", speak=_speak)


def speech(ctx: JobContext, task: Task) -> Output:
    """The ``audio_generation`` generator of the embedded default (a scene's dialogue)."""
    return scene_speak(ctx, task, LOCAL)


def voice_sample(*, actor: Any, character: Character) -> Media:
    """A few words in the character's voice (the "hear the voice" button): spoken offline
    once per voice and kept as the character's ``voice_profile`` media."""
    voice = voice_of(character)
    said = {"speed": voice.speed, "pitch": voice.pitch}
    for kept in Media.objects.filter(character=character, media_type="voice_profile"):
        if kept.technical_data.get("voice") == said and kept.ref:
            return kept
    text = f"Hello, I am {character.name}. This is how I sound."
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "sample.wav"
        try:
            [seconds] = synthesize_many([(text, voice)], [out])
        except SpeechError as exc:
            raise Invalid(f"No voice can speak here: {exc}") from exc
        return media_create(
            actor=actor,
            project=character.project,
            upload=out,
            filename=f"{character.name[:60]}-voice.wav",
            media_type="voice_profile",
            data={"character": character.pk, "description": text},
            provider="local",
            generation_metadata={"generator": GENERATOR},
            technical_data={"voice": said, "duration": round(seconds, 3), "engine": engine()},
        )
