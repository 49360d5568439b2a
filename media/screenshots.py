"""JPEG screenshots at fixed percentages of the duration."""

from __future__ import annotations

import subprocess
from pathlib import Path


class ScreenshotError(Exception):
    """ffmpeg could not grab a frame."""


def take_screenshots(
    source: str | Path,
    *,
    duration: float,
    positions: list[int],
    out_dir: str | Path,
    max_width: int = 1280,
) -> dict[int, Path]:
    """One JPEG per position (percent). Input seeking (``-ss`` before ``-i``) jumps to the
    nearest keyframe before the time and decodes from there, so each shot costs one GOP."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    shots: dict[int, Path] = {}
    for position in positions:
        at = max(duration * position / 100, 0.0)
        out = out_dir / f"{position:03d}.jpg"
        cmd = [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-ss",
            f"{at:.3f}",
            "-i",
            str(source),
            "-frames:v",
            "1",
            "-vf",
            f"scale='min({max_width},iw)':-2",
            "-q:v",
            "3",
            str(out),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
            lines = proc.stderr.strip().splitlines()
            raise ScreenshotError(
                f"screenshot at {position}%: " + (lines[-1] if lines else "no frame decoded")
            )
        shots[position] = out
    return shots
