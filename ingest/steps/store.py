"""Into the vault: the video (unless the source already is a stored copy — a Telegram
message), its WebVTT tracks and screenshots. Puts are content-addressed, so redoing the step
after a crash stores nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.work import put
from jobs.engine import JobContext, TransientError
from media.names import clean_filename


def store_extras(ctx: JobContext, *, backend: str | None) -> None:
    """The WebVTT tracks (tagged refs: the track has no backend column) and screenshots."""
    sha = ctx.state["sha256"]
    ctx.state["vtt_refs"] = {
        k: put(Path(p), f"{sha[:12]}.{k}.vtt", backend=backend)["tagged"]
        for k, p in (ctx.state.get("vtts") or {}).items()
    }
    shots: dict[str, dict[str, Any]] = {}
    for k, p in (ctx.state.get("shots") or {}).items():
        stored = put(Path(p), f"{sha[:12]}.{k}.jpg", backend=backend)
        shots[k] = {"backend": stored["backend"], "ref": stored["ref"]}
    ctx.state["shot_refs"] = shots


def run(ctx: JobContext) -> None:
    src, rel = ctx.state["source"], ctx.state["release"]
    backend = ctx.payload.get("backend")
    if src.get("stored"):
        ctx.state["stored"] = {**src["stored"], "sha256": ctx.state["sha256"]}
    else:
        name = clean_filename(
            title=rel["title"],
            year=rel["year"],
            quality=rel["quality"],
            ext=_ext(ctx.state["probe"].get("container")),
            season=rel["season"] if rel["episode"] is not None else None,
            episode=rel["episode"],
        )
        stored = put(Path(src["path"]), name, backend=backend)
        if stored["sha256"] != ctx.state["sha256"]:
            raise TransientError("the source file changed while it was being stored")
        ctx.state["stored"] = stored
    store_extras(ctx, backend=backend)


def _ext(container: str | None) -> str:
    return "mkv" if not container or container == "matroska" else container
