"""The ``telegram`` entry of ``VAULT_BACKENDS``: files stored as messages in a storage channel,
read and written by the worker accounts this process holds (docs/design.md).

Which accounts a process holds is the runtime's business (``swarm.telegram.runtime``): ingest
accounts in the ``telegram`` Celery worker, stream accounts in the ASGI server. When a runtime
holds accounts it registers its ``RuntimeTelegramBackend`` with ``vault.register``, and
``vault.get_backend("telegram")`` returns that. This class is what the registry returns
otherwise: it starts the process's stream accounts on first use (``prepare``; the ASGI lifespan
calls ``start``), and deletes through the ``telegram`` queue, whose worker holds the ingest
accounts (``delete_send`` / ``delete_result``; the medic's takedown uses them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.db import transaction

import vault
from swarm.models import WorkerRole
from swarm.storage.account import REF_RE, make_ref, parse_ref
from swarm.storage.queued import QUEUED
from swarm.tasks import telegram_delete_message
from swarm.telegram.runtime import process_kind, runtimes_stop, stream_vault_start

NAME = "telegram"


def message_stored(
    *, chat_id: int, message_id: int, size: int, tg_raw: dict[str, Any]
) -> dict[str, Any]:
    """A channel message as a stored object (what a vault ``put`` returns, JSON-ready): how
    ingest records a file it indexes by reference instead of uploading it."""
    ref = make_ref(chat_id, message_id)
    return {
        "backend": NAME,
        "ref": ref,
        "tagged": f"{NAME}:{ref}",
        "size": size,
        "tg_raw": tg_raw or {},
    }


def message_of(*, backend: str, ref: str) -> tuple[int, int] | None:
    """The (chat id, message id) a stored object is, when it is a channel message."""
    if backend != NAME or not (m := REF_RE.match(ref or "")):
        return None
    return int(m.group(1)), int(m.group(2))


class TelegramStorage:
    """Which accounts do the work: uploads and deletions are made by ingest accounts (here when
    this process holds them, the telegram worker; else through the ``telegram`` queue); reads
    by the accounts this process holds, else by its stream accounts started on first use (the
    stream server), else — in a Celery worker, which never starts stream accounts — through
    the ``telegram`` queue (``swarm.telegram.remote``)."""

    name = NAME

    # --- process lifecycle (vault.backends_start / backends_stop, the ASGI lifespan) ----------

    def start(self) -> None:
        stream_vault_start()

    def stop(self) -> None:
        runtimes_stop()

    async def prepare(self) -> vault.StorageBackend:
        """The backend to read from in this process: the live one of its accounts, starting the
        stream accounts if no runtime has registered one yet (never in a Celery worker: there
        the ``telegram`` queue reads). ``BackendUnavailable`` when no account runs here."""
        live = vault.registered(self.name)
        if live is not None:
            return live
        if process_kind():  # a Celery worker: stream accounts belong to the stream server
            return QUEUED
        try:
            await sync_to_async(stream_vault_start)()
        except Exception as exc:
            raise vault.BackendUnavailable(f"Telegram accounts failed to start: {exc}") from exc
        live = vault.registered(self.name)
        if live is None:
            raise vault.BackendUnavailable("no Telegram account is running in this process")
        return live

    def _writer(self) -> vault.StorageBackend:
        """Ingest accounts: this process's, or the telegram queue's. Never a stream account."""
        live = vault.registered(self.name)
        if live is not None and getattr(live, "role", None) == WorkerRole.INGEST:
            return live
        return QUEUED

    # --- the storage protocol ----------------------------------------------------------------

    async def put(self, source: Any, *, file_name: str = "") -> vault.StoredFile:
        return await self._writer().put(source, file_name=file_name)

    async def stat(self, ref: str) -> vault.FileStat:
        return await (await self.prepare()).stat(ref)

    async def delete(self, ref: str) -> bool:
        return await self._writer().delete(ref)

    async def open_range(self, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
        backend = await self.prepare()
        async for chunk in backend.open_range(ref, start, end):
            yield chunk

    # --- deferred deletion (no account needed in the caller's process) --------------------------

    def delete_send(self, ref: str) -> tuple[str, str | None]:
        """Queue the deletion of the message ``ref`` names on the ``telegram`` queue, after the
        surrounding transaction commits. ``(task_id, outcome)``: the outcome is known at once
        only in eager mode (the embedded default), else None until the worker ran.
        ``NotFound`` for a ref that names no message."""
        chat_id, message_id = parse_ref(ref)
        signature = telegram_delete_message.s(chat_id, message_id)
        if telegram_delete_message.app.conf.task_always_eager:
            result = signature.apply()
            return result.id, str(result.get(disable_sync_subtasks=False))
        task_id = signature.freeze().id
        transaction.on_commit(lambda: signature.apply_async(task_id=task_id))
        return task_id, None

    def delete_result(self, task_id: str) -> str | None:
        """``"deleted"``, ``"absent"``, ``"failed: …"`` (it gave up; send it again) or None
        (queued, running or retrying)."""
        result = telegram_delete_message.AsyncResult(task_id)
        if result.successful():
            return str(result.result)
        if result.failed():
            return f"failed: {type(result.result).__name__}: {result.result}"[:200]
        return None
