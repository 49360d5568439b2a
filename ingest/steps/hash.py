"""SHA-256 of the source; a blocked hash drops the file; bytes already in the catalog make the
job a duplicate (the later steps are skipped)."""

from __future__ import annotations

from pathlib import Path

from catalog.models import MediaFile
from ingest.blocked import blocked_hash_check, file_sha256
from ingest.errors import BlockedFileError
from jobs.engine import JobContext, PermanentError


def run(ctx: JobContext) -> None:
    src = ctx.state["source"]
    if src.get("files"):
        return  # several files (a torrent's season): each is hashed by its own ingest
    sha256 = file_sha256(src["path"])
    try:
        blocked_hash_check(sha256=sha256, source=src["origin"], size_bytes=src["size"])
    except BlockedFileError as exc:
        if not src.get("keep"):
            Path(src["path"]).unlink(missing_ok=True)
        raise PermanentError(str(exc)) from exc
    ctx.state["sha256"] = sha256
    existing = MediaFile.objects.filter(file_hash=sha256).values("id", "title_id").first()
    if existing is not None:
        ctx.state["duplicate_of"] = existing
