"""ElevenLabs text-to-speech, per character voice (the character's ``voice_id``), through the
timestamped endpoint: the reply carries the audio and, per character of the text, when it is
spoken — so each line's subtitle cue covers its words exactly. Cost is the characters sent at
``ELEVENLABS_COST_PER_CHARACTER``."""

from __future__ import annotations

import base64
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from jobs.engine import JobContext
from media.speech import RATE, duration

from ..generators import Output
from ..models import Character, Task
from ..voicing import LineSound, Speaker, scene_speak
from .http import ProviderError, client, request

NAME = "ElevenLabs"
FORMAT = "mp3_44100_128"


def _http():
    if not settings.ELEVENLABS_API_KEY:
        raise ProviderError("ELEVENLABS_API_KEY is not set (docs/configuration.md)")
    return client(
        base_url=settings.ELEVENLABS_BASE_URL,
        headers={"xi-api-key": settings.ELEVENLABS_API_KEY},
        timeout=settings.ELEVENLABS_TIMEOUT,
    )


def _words(alignment: dict[str, Any] | None, seconds: float) -> tuple[float, float]:
    """Where the spoken characters start and end (spaces and punctuation at the edges are
    silent)."""
    if not alignment:
        return 0.0, seconds
    chars = alignment.get("characters") or []
    starts = alignment.get("character_start_times_seconds") or []
    ends = alignment.get("character_end_times_seconds") or []
    spoken = [i for i, c in enumerate(chars) if c.strip() and i < len(starts) and i < len(ends)]
    if not spoken:
        return 0.0, seconds
    return float(starts[spoken[0]]), min(seconds, float(ends[spoken[-1]]))


def _to_wav(mp3: bytes, out: Path) -> None:
    proc = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "mp3", "-i", "pipe:0",
         "-ar", str(RATE), "-ac", "1", "-sample_fmt", "s16", str(out)],
        input=mp3, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise ProviderError(f"{NAME} sent audio ffmpeg cannot read: {proc.stderr[-200:]!r}")


def speak(lines: list[tuple[str, Character]], outs: list[Path]) -> list[LineSound]:
    missing = sorted({c.name for _, c in lines if not c.voice_id})
    if missing:
        raise ProviderError(
            f"no ElevenLabs voice id for {', '.join(missing)} (their voice profile)"
        )
    price = Decimal(settings.ELEVENLABS_COST_PER_CHARACTER)
    sounds = []
    with _http() as http:
        for (text, character), out in zip(lines, outs, strict=True):
            reply = request(
                http, "POST", f"v1/text-to-speech/{character.voice_id}/with-timestamps",
                provider=NAME, params={"output_format": FORMAT},
                json={"text": text, "model_id": settings.ELEVENLABS_MODEL},
            ).json()  # fmt: skip
            try:
                audio = base64.b64decode(reply["audio_base64"], validate=True)
            except (KeyError, ValueError, TypeError) as exc:
                raise ProviderError(f"{NAME} sent no audio") from exc
            _to_wav(audio, out)
            seconds = duration(out)
            start, end = _words(reply.get("alignment"), seconds)
            sounds.append(
                LineSound(
                    seconds=seconds, words_start=start, words_end=end,
                    cost=price * len(text), facts={"voice_id": character.voice_id},
                )
            )  # fmt: skip
    return sounds


ELEVENLABS = Speaker(generator="elevenlabs-tts", provider="elevenlabs", speak=speak)


def speech(ctx: JobContext, task: Task) -> Output:
    """The ``audio_generation`` generator through ElevenLabs."""
    return scene_speak(ctx, task, ELEVENLABS)
