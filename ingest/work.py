"""What the pipeline's steps share: the job's work directory and vault puts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings

from media.probe import ProbeResult, SubtitleStream
from vault import get_backend, tag_ref


def work_dir(job_id: int) -> Path:
    return Path(settings.SWARM_WORK_DIR) / f"job-{job_id}"


def put(path: Path, file_name: str, *, backend: str | None = None) -> dict[str, Any]:
    """Store a file in ``backend`` (default ``VAULT_DEFAULT_BACKEND``); JSON-ready for job state.
    ``tagged`` is the ref to keep in a field that has no backend column."""
    stored = async_to_sync(get_backend(backend).put)(path, file_name=file_name)
    return {
        "backend": stored.backend,
        "ref": stored.ref,
        "tagged": tag_ref(stored),
        "size": stored.size,
        "sha256": stored.sha256,
        "tg_raw": stored.tg_raw or {},
    }


def fetch(dest: Path, *, backend: str, ref: str) -> int:
    """Copy a stored object to ``dest`` (for ffmpeg, which reads files); returns its size.
    Raises the vault's errors: ``NotFound``, ``BackendUnavailable``…"""

    async def copy() -> int:
        store = get_backend(backend)
        size = (await store.stat(ref)).size
        with dest.open("wb") as out:
            async for chunk in store.open_range(ref, 0, size):
                out.write(chunk)
        return size

    dest.parent.mkdir(parents=True, exist_ok=True)
    return async_to_sync(copy)()


def probe_result(data: dict[str, Any]) -> ProbeResult:
    subs = [SubtitleStream(**s) for s in data.get("subtitles", [])]
    return ProbeResult(**{**data, "subtitles": subs})
