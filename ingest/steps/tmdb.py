"""Match the parsed name on TMDB (when a key is configured)."""

from __future__ import annotations

from ingest.tmdb import tmdb_enabled, tmdb_match
from jobs.engine import JobContext


def run(ctx: JobContext) -> None:
    rel = ctx.state["release"]
    if not tmdb_enabled() or ctx.payload.get("title_id"):
        ctx.state["tmdb"] = None
        return
    match = tmdb_match(name=rel["title"], year=rel["year"], media_type=rel["media_type"])
    ctx.state["tmdb"] = match.as_dict() if match else None
