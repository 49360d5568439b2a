"""ffprobe → the fields of MediaFile and one entry per subtitle stream."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from media.langs import iso639_2, language_name

# Subtitle codecs ffmpeg can turn into WebVTT; everything else (PGS, VobSub, DVB) is a bitmap.
TEXT_SUBTITLE_CODECS = {
    "subrip",
    "srt",
    "ass",
    "ssa",
    "webvtt",
    "mov_text",
    "text",
    "ttml",
    "microdvd",
    "subviewer",
    "subviewer1",
    "sami",
    "realtext",
    "jacosub",
    "mpl2",
    "pjs",
    "vplayer",
    "stl",
}
HDR_TRANSFERS = {"smpte2084", "arib-std-b67"}
# ffprobe's format_name → the container name we store (and pick a Content-Type by).
CONTAINERS = {
    "matroska,webm": "mkv",
    "mov,mp4,m4a,3gp,3g2,mj2": "mp4",
    "avi": "avi",
    "mpegts": "ts",
    "flv": "flv",
    "ogg": "ogg",
    "asf": "wmv",
    "mpeg": "mpg",
}


class ProbeError(Exception):
    """ffprobe could not read the file; the message is ffprobe's own reason."""


@dataclass(frozen=True)
class SubtitleStream:
    stream_index: int
    lang: str
    label: str
    codec: str
    kind: str  # "text" | "image"


@dataclass(frozen=True)
class ProbeResult:
    container: str
    video_codec: str
    width: int | None
    height: int | None
    duration: float | None
    bitrate: int | None
    hdr: bool
    audio_langs: list[str]
    subtitles: list[SubtitleStream] = field(default_factory=list)
    audio_codecs: list[str] = field(default_factory=list)  # in stream order

    def media_fields(self) -> dict[str, Any]:
        """The keyword arguments ``catalog.services.media_file_add`` takes as ``**probe``."""
        return {
            "container": self.container,
            "video_codec": self.video_codec,
            "width": self.width,
            "height": self.height,
            "duration": self.duration,
            "bitrate": self.bitrate,
            "hdr": self.hdr,
            "audio_langs": self.audio_langs,
            "audio_codec": self.audio_codecs[0] if self.audio_codecs else "",
        }

    @property
    def quality(self) -> str:
        """The quality bucket from the frame size (a 1920x800 scope film is still 1080p)."""
        if not self.height:
            return ""
        w, h = self.width or 0, self.height
        for name, min_w, min_h in (
            ("4320p", 7000, 4000),
            ("2160p", 3200, 1800),
            ("1440p", 2400, 1300),
            ("1080p", 1700, 950),
            ("720p", 1200, 650),
            ("576p", 900, 540),
            ("480p", 600, 420),
            ("360p", 400, 320),
        ):
            if w >= min_w or h >= min_h:
                return name
        return "240p"


def run_ffprobe(path: str | Path) -> dict[str, Any]:
    cmd = [
        "ffprobe",
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        str(path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        reason = proc.stderr.strip().splitlines()
        raise ProbeError(reason[-1] if reason else f"ffprobe exited with {proc.returncode}")
    return json.loads(proc.stdout or "{}")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return round(float(value), 3)
    except (TypeError, ValueError):
        return None


def _is_hdr(stream: dict[str, Any]) -> bool:
    if stream.get("color_transfer") in HDR_TRANSFERS:
        return True
    return any(
        "DOVI" in str(side.get("side_data_type", "")) or "Dolby Vision" in str(side)
        for side in stream.get("side_data_list", [])
    )


def _subtitle(stream: dict[str, Any]) -> SubtitleStream:
    tags = {k.lower(): v for k, v in (stream.get("tags") or {}).items()}
    codec = stream.get("codec_name") or "unknown"
    lang = iso639_2(tags.get("language"))
    label = tags.get("title") or language_name(lang)
    disposition = stream.get("disposition") or {}
    if disposition.get("forced") and "forced" not in label.lower():
        label = f"{label} (forced)"
    if disposition.get("hearing_impaired") and "sdh" not in label.lower():
        label = f"{label} (SDH)"
    return SubtitleStream(
        stream_index=int(stream["index"]),
        lang=lang,
        label=label[:100],
        codec=codec[:30],
        kind="text" if codec in TEXT_SUBTITLE_CODECS else "image",
    )


def probe_parse(data: dict[str, Any], *, path: str | Path = "") -> ProbeResult:
    streams = data.get("streams") or []
    fmt = data.get("format") or {}
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not (s.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    if video is None:
        raise ProbeError("no video stream found")
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    format_name = fmt.get("format_name", "")
    container = CONTAINERS.get(format_name, format_name.split(",")[0])
    suffix = Path(str(path)).suffix.lower().lstrip(".")
    if format_name == "matroska,webm" and suffix == "webm":
        container = "webm"
    elif container == "mp4" and suffix in {"mov", "m4v"}:
        container = suffix
    return ProbeResult(
        container=container[:20],
        video_codec=(video.get("codec_name") or "")[:20],
        width=_int(video.get("width")),
        height=_int(video.get("height")),
        duration=_float(fmt.get("duration")) or _float(video.get("duration")),
        bitrate=_int(fmt.get("bit_rate")),
        hdr=_is_hdr(video),
        audio_langs=[iso639_2((s.get("tags") or {}).get("language")) for s in audio],
        subtitles=[_subtitle(s) for s in streams if s.get("codec_type") == "subtitle"],
        audio_codecs=[(s.get("codec_name") or "")[:20] for s in audio],
    )


def probe(path: str | Path) -> ProbeResult:
    return probe_parse(run_ffprobe(path), path=path)
