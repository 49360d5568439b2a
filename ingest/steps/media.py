"""Text subtitle tracks to WebVTT (one ffmpeg pass) and screenshots, as temporary files."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from ingest.work import probe_result, work_dir
from jobs.engine import JobContext, PermanentError
from media.screenshots import ScreenshotError, take_screenshots
from media.subtitles import SubtitleError, extract_vtt


def run(ctx: JobContext) -> None:
    src = Path(ctx.state["source"]["path"])
    result = probe_result(ctx.state["probe"])
    out = work_dir(ctx.job.pk)
    positions = ctx.payload.get("screenshot_positions") or list(settings.VAULT_SCREENSHOT_POSITIONS)
    try:
        vtts = extract_vtt(src, result.subtitles, out / "subs")
        shots = (
            take_screenshots(
                src, duration=result.duration, positions=positions, out_dir=out / "shots"
            )
            if result.duration
            else {}
        )
    except (SubtitleError, ScreenshotError) as exc:
        raise PermanentError(f"media processing failed: {exc}") from exc
    ctx.state["vtts"] = {str(k): str(v) for k, v in vtts.items()}
    ctx.state["shots"] = {str(k): str(v) for k, v in shots.items()}
