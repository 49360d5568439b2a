"""The ``ingest_local`` job of a file on this machine (``manage.py ingest_local``, and each
episode copied out of an archive by the unpack step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.kinds import JobKind
from jobs.engine import job_create
from jobs.models import Job


def ingest_local_create(
    *,
    path: str | Path,
    title_id: int | None = None,
    season: int | None = None,
    episode: int | None = None,
    quality: str = "",
    backend: str | None = None,
    created_by: Any = None,
    publish: bool = True,
    title_hint: str = "",
) -> Job:
    """An ``ingest_local`` job, not queued: the caller runs it in its own process
    (``jobs.engine.job_run``), where the file is. An operator vouches for the file, so a new
    title is published at once (``publish``; an episode out of a pack a leech brought is
    published as its pack would be). ``title_hint``: the title when the name has none."""
    payload: dict[str, Any] = {"path": str(Path(path).resolve()), "publish": publish}
    for key, value in (
        ("title_hint", title_hint),
        ("title_id", title_id),
        ("season", season),
        ("episode", episode),
        ("quality", quality),
        ("backend", backend),
    ):
        if value not in (None, ""):
            payload[key] = value
    return job_create(
        kind=JobKind.INGEST_LOCAL,
        payload=payload,
        created_by=created_by,
        enqueue=False,
        max_attempts=1,
    )
