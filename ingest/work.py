"""What the pipeline's steps share: the job's work directory and vault puts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from asgiref.sync import async_to_sync
from django.conf import settings

from jobs.engine import PermanentError, Requeue, TransientError
from media.probe import ProbeResult, SubtitleStream
from vault import BackendUnavailable, FloodWaitError, TooLarge, get_backend, tag_ref


class StorageUnavailable(TransientError, BackendUnavailable):
    """The storage cannot take or give the bytes now (no account answered, the queue is down):
    a job retries it with backoff; other callers catch it as ``BackendUnavailable``."""


class StorageFloodWait(Requeue, FloodWaitError):
    """Telegram asked every account to wait: the job runs again after the wait."""

    def __init__(self, seconds: int) -> None:
        Requeue.__init__(self, f"flood wait of {seconds}s on every account", countdown=seconds)
        self.seconds = seconds
        self.dc_id = None


def _transient(call):
    """Run ``call()``, turning the storage's passing failures into the job engine's."""
    try:
        return call()
    except StorageUnavailable:
        raise
    except TooLarge as exc:  # no retry will make it fit
        raise PermanentError(str(exc)) from exc
    except FloodWaitError as exc:
        raise StorageFloodWait(exc.seconds) from exc
    except BackendUnavailable as exc:
        raise StorageUnavailable(str(exc)) from exc


def work_dir(job_id: int) -> Path:
    return Path(settings.INGEST_WORK_DIR) / f"job-{job_id}"


def put(path: Path, file_name: str, *, backend: str | None = None) -> dict[str, Any]:
    """Store a file in ``backend`` (default ``VAULT_DEFAULT_BACKEND``); JSON-ready for job state.
    ``tagged`` is the ref to keep in a field that has no backend column."""
    stored = _transient(lambda: async_to_sync(get_backend(backend).put)(path, file_name=file_name))
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
    return _transient(async_to_sync(copy))


def probe_result(data: dict[str, Any]) -> ProbeResult:
    subs = [SubtitleStream(**s) for s in data.get("subtitles", [])]
    return ProbeResult(**{**data, "subtitles": subs})


def image_download(*, url: str, dest: Path, source: str) -> Path:
    """Fetch a metadata source's image (``source``: "TMDB", "OMDb") to ``dest``, for the
    caller to put in the vault. PermanentError: not an image; TransientError: try later."""
    try:
        response = httpx.get(url, timeout=30.0, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise TransientError(f"{source} image unreachable: {type(exc).__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(f"{source} image answered {response.status_code}")
    if response.status_code != 200 or not response.headers.get("content-type", "").startswith(
        "image/"
    ):
        raise PermanentError(f"{source} image {url}: HTTP {response.status_code}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(response.content)
    return dest
