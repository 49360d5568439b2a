"""Source: a file on this machine (``manage.py ingest_local``), read in place and never deleted
(a job re-queued to another machine fails here with a clear error) — or one a node staged in the
vault for any worker (``staged``: a live recording put there by the RTMP node), copied into the
job's work directory."""

from __future__ import annotations

from pathlib import Path

from ingest.work import fetch, work_dir
from jobs.engine import JobContext, PermanentError
from vault import NotFound


def _staged(ctx: JobContext, staged: dict) -> None:
    dest = work_dir(ctx.job.pk) / "staged"
    if not (dest.is_file() and dest.stat().st_size == staged["size"]):  # a retry keeps it
        try:
            fetch(dest, backend=staged["backend"], ref=staged["ref"])
        except NotFound as exc:
            raise PermanentError(f"the staged file is gone from the vault: {exc}") from exc
    ctx.state["source"] = {
        "path": str(dest),
        "file_name": staged["file_name"],
        "size": staged["size"],
        "content_type": "",
        "origin": f"{staged['backend']}:{staged['ref']}",
    }


def run(ctx: JobContext) -> None:
    if staged := ctx.payload.get("staged"):
        _staged(ctx, staged)
        return
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
