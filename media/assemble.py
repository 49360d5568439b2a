"""Still pictures and a sound track → an H.264 + AAC faststart MP4 (a scene), and scenes → one
MP4 (an episode), with ffmpeg.

A scene is a list of shots, each a picture shown for a number of seconds; the caller sets the
shots' lengths from the sound, so nothing is cut off and nothing waits in silence. The sound
is loudness-normalised (EBU R128, -16 LUFS, the level of speech on the web). Subtitles go in
as a soft ``mov_text`` track (players and our ingest turn it into WebVTT) and, on request,
burned into the picture as well.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

FPS = 25
LOUDNESS = "loudnorm=I=-16:TP=-1.5:LRA=11"


class AssemblyError(Exception):
    """ffmpeg could not make the file; the message is ffmpeg's own reason."""


@dataclass(frozen=True)
class Shot:
    image: Path
    seconds: float


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def vtt_text(cues: list[Cue]) -> str:
    blocks = ["WEBVTT", ""]
    for i, cue in enumerate(cues, 1):
        text = "\n".join(line for line in cue.text.splitlines() if line.strip()) or "…"
        blocks += [str(i), f"{_stamp(cue.start)} --> {_stamp(cue.end)}", text, ""]
    return "\n".join(blocks)


def _run(cmd: list[str], out: Path, *, timeout: float = 3600) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        lines = proc.stderr.strip().splitlines()
        raise AssemblyError(lines[-1] if lines else f"ffmpeg exited with {proc.returncode}")


def scene_render(
    shots: list[Shot],
    out: Path,
    *,
    audio: Path | None,
    cues: list[Cue],
    size: tuple[int, int],
    burn: bool = False,
    language: str = "eng",
) -> Path:
    """Write the scene's MP4: the shots in order (their lengths add up to the duration), the
    normalised sound (silence when there is none) and the subtitles."""
    if not shots:
        raise AssemblyError("a scene needs at least one shot")
    total = sum(s.seconds for s in shots)
    width, height = size
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
    for shot in shots:
        cmd += ["-loop", "1", "-framerate", str(FPS), "-t", f"{shot.seconds:.3f}"]
        cmd += ["-i", str(shot.image)]
    if audio is not None:
        cmd += ["-i", str(audio)]
    else:
        cmd += ["-f", "lavfi", "-t", f"{total:.3f}", "-i", "anullsrc=r=48000:cl=stereo"]
    vtt = out.with_suffix(".vtt")
    vtt.write_text(vtt_text(cues), encoding="utf-8")
    cmd += ["-i", str(vtt)]
    fit = (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={FPS},format=yuv420p"
    )
    chains = [f"[{i}:v]{fit}[v{i}]" for i in range(len(shots))]
    joined = "".join(f"[v{i}]" for i in range(len(shots)))
    video = f"{joined}concat=n={len(shots)}:v=1:a=0"
    if burn and cues:
        video += f",subtitles=filename='{vtt.as_posix()}'"
    a = len(shots)
    chains += [f"{video}[v]", f"[{a}:a]{LOUDNESS},aresample=48000,apad[a]"]
    cmd += [
        "-filter_complex", ";".join(chains),
        "-map", "[v]", "-map", "[a]", "-map", f"{a + 1}:s",
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-crf", "23",
        "-g", str(FPS * 2), "-c:a", "aac", "-b:a", "128k", "-ac", "2",
        "-c:s", "mov_text", "-metadata:s:s:0", f"language={language}",
        "-t", f"{total:.3f}", "-movflags", "+faststart", str(out),
    ]  # fmt: skip
    _run(cmd, out)
    return out


def concat(parts: list[Path], out: Path) -> Path:
    """Join MP4s made by ``scene_render`` (same codecs and sizes) without re-encoding."""
    if not parts:
        raise AssemblyError("nothing to join")
    listing = out.with_suffix(".txt")
    listing.write_text(
        "".join(f"file '{p.resolve().as_posix()}'\n" for p in parts), encoding="utf-8"
    )
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0",
        "-i", str(listing), "-map", "0", "-c", "copy", "-movflags", "+faststart", str(out),
    ]  # fmt: skip
    _run(cmd, out)
    return out


def still(video: Path, out: Path, *, at: float) -> Path:
    """One JPEG frame at ``at`` seconds (the episode's thumbnail)."""
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", f"{at:.3f}", "-i", str(video),
        "-frames:v", "1", "-q:v", "3", str(out),
    ]  # fmt: skip
    _run(cmd, out, timeout=120)
    return out
