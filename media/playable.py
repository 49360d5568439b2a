"""A rendition a browser plays, made once from a release browsers cannot play as it is.

Most releases are MKV, often with AC3/DTS audio; Chromium plays MP4 (and WebM) with H.264,
VP9 or AV1 video and AAC, MP3, Opus or FLAC audio (docs/playback.md has the matrix measured in
Chromium, ``tests/media/test_playable_chromium.py``). The cheapest way there:

- ``direct``: already an MP4 with playable codecs — nothing to make;
- ``remux``: playable codecs in another container — copy the streams into a faststart MP4;
- ``audio``: the video is playable, the audio is not — copy the video, AAC stereo audio;
- ``transcode``: the video is not playable — H.264 + AAC (slow: the heavy queue).

The rendition keeps the first video and the first audio stream only (what a ``<video>``
plays); subtitles stay in the raw file and are served as WebVTT; the raw file stays the
download.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

DIRECT, REMUX, AUDIO, TRANSCODE = "direct", "remux", "audio", "transcode"
PLAYABLE_VIDEO = {"h264", "vp9", "av1"}
PLAYABLE_AUDIO = {"aac", "mp3", "opus", "flac"}
DIRECT_CONTAINERS = {"mp4", "m4v"}


class PlayableError(Exception):
    """ffmpeg could not make the rendition; the message is ffmpeg's own reason."""


def playable_plan(*, container: str, video_codec: str, audio_codecs: list[str]) -> str:
    """Which of ``direct``, ``remux``, ``audio``, ``transcode`` this file needs."""
    audio_ok = not audio_codecs or audio_codecs[0] in PLAYABLE_AUDIO
    if video_codec not in PLAYABLE_VIDEO:
        return TRANSCODE
    if not audio_ok:
        return AUDIO
    return DIRECT if container in DIRECT_CONTAINERS else REMUX


_AAC = ["-c:a", "aac", "-b:a", "160k", "-ac", "2"]
ARGS = {
    REMUX: ["-c", "copy"],
    AUDIO: ["-c:v", "copy", *_AAC],
    TRANSCODE: [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "22",
        "-pix_fmt",
        "yuv420p",
        *_AAC,
    ],
}


def make_playable(src: Path, plan: str, out: Path, *, timeout: float = 6 * 3600) -> Path:
    """Write the rendition for ``plan`` (not ``direct``) to ``out`` (an ``.mp4``)."""
    if plan not in ARGS:
        raise ValueError(f"no rendition to make for {plan!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src),
        "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn",
        *ARGS[plan],
        # FLAC and Opus in MP4 are "experimental" to ffmpeg 5 (Debian 12); browsers play them.
        "-strict", "-2",
        "-movflags", "+faststart", "-f", "mp4", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        reason = proc.stderr.strip().splitlines()
        raise PlayableError(reason[-1] if reason else f"ffmpeg exited with {proc.returncode}")
    return out
