"""``media.playable`` with real ffmpeg: the plan for each kind of release, and renditions that
are faststart MP4s with the codecs browsers play (the streams copied when they can be)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from media.playable import (
    AUDIO,
    DIRECT,
    REMUX,
    TRANSCODE,
    PlayableError,
    make_playable,
    playable_plan,
)
from tests.conftest import require


@pytest.mark.parametrize(
    ("container", "video", "audio", "plan"),
    [
        ("mp4", "h264", ["aac"], DIRECT),
        ("mp4", "av1", ["opus"], DIRECT),
        ("mp4", "h264", [], DIRECT),
        ("mkv", "h264", ["aac"], REMUX),
        ("mkv", "h264", ["flac", "ac3"], REMUX),  # the first track is the one played
        ("webm", "vp9", ["opus"], REMUX),
        ("mkv", "h264", ["ac3"], AUDIO),
        ("mkv", "h264", ["dts"], AUDIO),
        ("mp4", "h264", ["eac3"], AUDIO),
        ("mkv", "hevc", ["aac"], TRANSCODE),
        ("avi", "mpeg4", ["mp3"], TRANSCODE),
        ("mkv", "vp8", ["vorbis"], TRANSCODE),
    ],
)
def test_the_plan_for_each_kind_of_release(container, video, audio, plan):
    assert playable_plan(container=container, video_codec=video, audio_codecs=audio) == plan


def _clip(out: Path, vcodec: list[str], acodec: list[str]) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=2",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
         *vcodec, *acodec, str(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out


def _streams(path: Path) -> tuple[str, list[str]]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(out.stdout)
    return info["format"]["format_name"], [s["codec_name"] for s in info["streams"]]


def _faststart(path: Path) -> bool:
    head = path.read_bytes()
    return 0 <= head.find(b"moov") < head.find(b"mdat")


H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


@pytest.mark.parametrize(
    ("name", "vcodec", "acodec", "plan", "codecs"),
    [
        ("remux.mkv", H264, ["-c:a", "flac"], REMUX, ["h264", "flac"]),
        ("audio.mkv", H264, ["-c:a", "ac3"], AUDIO, ["h264", "aac"]),
        ("hevc.mkv", ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=0"],
         ["-c:a", "aac"], TRANSCODE, ["h264", "aac"]),
    ],
)  # fmt: skip
def test_renditions_are_faststart_mp4_with_playable_codecs(
    tmp_path, name, vcodec, acodec, plan, codecs
):
    require(shutil.which("ffmpeg") is not None, "needs ffmpeg")
    src = _clip(tmp_path / name, vcodec, acodec)
    out = make_playable(src, plan, tmp_path / "out" / "playable.mp4")
    container, streams = _streams(out)
    assert "mp4" in container and streams == codecs
    assert _faststart(out)
    if plan == REMUX:  # copied, not re-encoded: the video packets are the source's
        assert out.stat().st_size < src.stat().st_size * 1.2


def test_a_broken_source_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.mkv"
    bad.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 2048)
    with pytest.raises(PlayableError):
        make_playable(bad, REMUX, tmp_path / "x.mp4")
    with pytest.raises(ValueError):
        make_playable(bad, DIRECT, tmp_path / "y.mp4")
