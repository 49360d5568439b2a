"""Telegram storage for processes that hold no account of the right kind.

Uploads are made by ingest accounts, which live in the ``telegram`` Celery worker; a stream
account never uploads (it serves ``/s/``). A process that holds no ingest account (the
``heavy`` worker leeching a URL, the bot storing a poster, the web process storing a channel
picture) hands the upload to the ``telegram`` queue and waits for its answer; a Celery worker
that holds no account reads the same way, a range at a time. The file travels through the
work directory, which the processes of one node share (``INGEST_WORK_DIR``).

Queue side: ``upload``, ``read_range`` and ``size`` run on a leased ingest account of the
worker (``telegram_call``: rotation, flood waits, errors counted) and answer plain JSON, never
an exception: ``{"ok": true, ...}`` or ``{"ok": false, "kind": …, "error": …}``.

Caller side: ``ask`` sends one and turns the answer back into the vault's errors —
``NotFound``, ``FloodWaitError`` and ``BackendUnavailable`` (no answer in time, broker down,
no account): the caller's job retries those with backoff.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from celery import Task
from celery.exceptions import TimeoutError as ResultTimeout
from django.conf import settings

from core.queue import BROKER_ERRORS
from jobs.engine import PermanentError, Requeue, TransientError
from swarm.models import WorkerRole
from swarm.telegram.runtime import process_kind, runtime_for, telegram_call
from vault import BackendUnavailable, FloodWaitError, NotFound, StoredFile, TooLarge, VaultError

log = logging.getLogger(__name__)


# --- the queue side ----------------------------------------------------------------------------


def _on_ingest_account(what: str, op) -> dict[str, Any]:
    """``op(backend)`` on a leased ingest account of this process, as a JSON answer."""
    rt = runtime_for(WorkerRole.INGEST)
    try:
        value = telegram_call(
            role=WorkerRole.INGEST,
            task=what,
            op=lambda gateway, worker_id: op(rt.vault_backend.accounts[worker_id]),
        )
    except NotFound as exc:
        return {"ok": False, "kind": "not_found", "error": str(exc)}
    except TooLarge as exc:
        return {"ok": False, "kind": "too_large", "error": str(exc)}
    except Requeue as exc:
        return {"ok": False, "kind": "flood", "error": str(exc), "seconds": exc.countdown}
    except (TransientError, PermanentError, VaultError, KeyError) as exc:
        return {"ok": False, "kind": "unavailable", "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "value": value}


def upload(*, path: str, file_name: str) -> dict[str, Any]:
    async def put(backend) -> dict[str, Any]:
        return asdict(await backend.put(Path(path), file_name=file_name))

    return _on_ingest_account(f"upload {file_name}", put)


def read_range(*, ref: str, start: int, end: int, dest: str) -> dict[str, Any]:
    async def read(backend) -> int:
        written = 0
        with open(dest, "wb") as out:
            async for chunk in backend.open_range(ref, start, end):
                out.write(chunk)
                written += len(chunk)
        return written

    return _on_ingest_account(f"read {ref} {start}-{end}", read)


def size(*, ref: str) -> dict[str, Any]:
    async def stat(backend) -> int:
        return (await backend.stat(ref)).size

    return _on_ingest_account(f"stat {ref}", stat)


# --- the caller side ---------------------------------------------------------------------------


def ask(task: Task, **kwargs: Any) -> Any:
    """Run ``task`` on the ``telegram`` queue (inline in eager mode) and return its value, or
    raise the vault error its answer names."""
    timeout = settings.SWARM_REMOTE_TIMEOUT
    try:
        if task.app.conf.task_always_eager or process_kind() == "telegram":
            answer = task(**kwargs)  # here: eager mode, or this is the telegram worker itself
        else:
            answer = task.apply_async(kwargs=kwargs).get(
                timeout=timeout, disable_sync_subtasks=False
            )
    except ResultTimeout as exc:
        raise BackendUnavailable(f"the telegram queue did not answer in {timeout:.0f}s") from exc
    except BROKER_ERRORS as exc:
        raise BackendUnavailable(f"the telegram queue is not reachable: {exc}") from exc
    if answer.get("ok"):
        return answer["value"]
    kind, error = answer.get("kind"), answer.get("error", "")
    if kind == "not_found":
        raise NotFound(error)
    if kind == "too_large":
        raise TooLarge(error)
    if kind == "flood":
        raise FloodWaitError(max(1, int(answer.get("seconds") or 1)))
    raise BackendUnavailable(f"Telegram (ingest accounts): {error}")


def spool(source: Any) -> tuple[Path, bool]:
    """A path the telegram worker can open for ``source``: the path itself, or a copy of a
    file object in the work directory (True: the caller deletes it)."""
    if isinstance(source, str | Path):
        return Path(source), False
    folder = Path(settings.INGEST_WORK_DIR) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="put-")
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(1024 * 1024):
            out.write(chunk)
    return Path(name), True


def stored_file(value: dict[str, Any]) -> StoredFile:
    return StoredFile(**value)
