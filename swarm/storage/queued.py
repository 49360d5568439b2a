"""The ``telegram`` storage of a process that holds no account of the right kind: every call
is done by the ``telegram`` queue's worker (``swarm.telegram.remote``), the bytes passing
through the node's shared work directory."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from swarm import tasks
from swarm.telegram import remote
from vault import FileStat, StoredFile
from vault.base import CHUNK

PIECE = 16 * 1024 * 1024  # bytes the telegram worker reads per request of a range


def _ask(task, **kwargs: Any):
    return sync_to_async(remote.ask)(task, **kwargs)


class QueuedTelegram:
    name = "telegram"
    role = "queued"

    async def put(self, source: Any, *, file_name: str = "") -> StoredFile:
        path, spooled = await sync_to_async(remote.spool)(source)
        try:
            value = await _ask(
                tasks.telegram_upload, path=str(path), file_name=file_name or path.name
            )
        finally:
            if spooled:
                path.unlink(missing_ok=True)
        return remote.stored_file(value)

    async def stat(self, ref: str) -> FileStat:
        return FileStat(size=int(await _ask(tasks.telegram_size, ref=ref)))

    async def delete(self, ref: str) -> bool:
        chat_id, message_id = (int(x) for x in ref.split(":", 1))
        outcome = await sync_to_async(_delete)(chat_id, message_id)
        return outcome == "deleted"

    async def open_range(self, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
        folder = Path(settings.INGEST_WORK_DIR) / "reads"
        folder.mkdir(parents=True, exist_ok=True)
        while start < end:
            stop = min(end, start + PIECE)
            fd, name = tempfile.mkstemp(dir=folder, prefix="range-")
            os.close(fd)
            try:
                got = int(
                    await _ask(tasks.telegram_read, ref=ref, start=start, end=stop, dest=name)
                )
                with open(name, "rb") as f:
                    while chunk := f.read(CHUNK):
                        yield chunk
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name)
            if got < stop - start:
                return  # the object ended early
            start = stop


def _delete(chat_id: int, message_id: int) -> str:
    task = tasks.telegram_delete_message
    if task.app.conf.task_always_eager:
        return str(task.apply(args=[chat_id, message_id]).get(disable_sync_subtasks=False))
    result = task.apply_async(args=[chat_id, message_id])
    return str(result.get(timeout=settings.SWARM_REMOTE_TIMEOUT, disable_sync_subtasks=False))


QUEUED = QueuedTelegram()
