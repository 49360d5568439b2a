"""Upload the source to the configured mirror hosts (``ingest.mirrors``); failures are kept,
not fatal."""

from __future__ import annotations

from pathlib import Path

from ingest.mirrors import mirrors_upload
from jobs.engine import JobContext


def run(ctx: JobContext) -> None:
    src = ctx.state["source"]
    mirrors, errors = mirrors_upload(
        path=Path(src["path"]), file_name=src["file_name"], size=src["size"]
    )
    ctx.state["mirrors"] = mirrors
    ctx.state["mirror_errors"] = errors
