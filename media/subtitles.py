"""Every text subtitle track to WebVTT in one ffmpeg pass (docs/design.md).

No ``-copyts``: ffmpeg then shifts timestamps so the file starts at 0, which is what a player
does with the video, so cues stay in sync with what is on screen.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from media.probe import SubtitleStream


class SubtitleError(Exception):
    """ffmpeg could not extract the text subtitle tracks."""


def extract_vtt(
    source: str | Path, tracks: list[SubtitleStream], out_dir: str | Path
) -> dict[int, Path]:
    """WebVTT files of the text ``tracks``, keyed by ffmpeg stream index. Image tracks are
    skipped (ffmpeg cannot turn a bitmap into text)."""
    text_tracks = [t for t in tracks if t.kind == "text"]
    if not text_tracks:
        return {}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source)]
    outputs: dict[int, Path] = {}
    for track in text_tracks:
        out = out_dir / f"{track.stream_index}.vtt"
        cmd += ["-map", f"0:{track.stream_index}", "-c:s", "webvtt", "-f", "webvtt", str(out)]
        outputs[track.stream_index] = out
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise SubtitleError(lines[-1] if lines else f"ffmpeg exited with {proc.returncode}")
    return outputs
