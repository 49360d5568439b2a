"""ffprobe before anything is stored: a non-video is rejected with ffprobe's reason."""

from __future__ import annotations

from dataclasses import asdict

from jobs.engine import JobContext, PermanentError
from media.probe import ProbeError, probe


def run(ctx: JobContext) -> None:
    try:
        result = probe(ctx.state["source"]["path"])
    except ProbeError as exc:
        raise PermanentError(f"not a playable video: {exc}") from exc
    if not result.video_codec:
        raise PermanentError("not a video: ffprobe found no video stream")
    ctx.state["probe"] = asdict(result)
    ctx.state["quality"] = result.quality
