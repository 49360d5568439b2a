"""Source: a file on this machine (``manage.py ingest_local``). The file is read in place and
never deleted; a job re-queued to another machine fails here with a clear error."""

from __future__ import annotations

from pathlib import Path

from jobs.engine import JobContext, PermanentError


def run(ctx: JobContext) -> None:
    path = Path(ctx.payload["path"])
    if not path.is_file():
        raise PermanentError(f"{path} is not a file")
    ctx.state["source"] = {
        "path": str(path),
        "file_name": path.name,
        "size": path.stat().st_size,
        "content_type": "",
        "origin": str(path),
        "keep": True,  # the caller's file: no step deletes it
    }
