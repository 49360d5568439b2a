"""Deleting storage-channel messages through the gateway (a takedown's "delete the bytes").

The medic's process holds no Telegram account, so it does not delete through a vault backend
of its own: ``storage_delete_send`` queues ``swarm.tasks.telegram_delete_message`` on the
``telegram`` queue, whose worker holds the ingest accounts; the task leases one (the rotation,
as a re-copy does) and calls the gateway's ``delete_messages``. Idempotent: a message that is
already gone answers ``"absent"``. ``storage_delete_result`` reads the task's outcome from the
Celery result backend without waiting for it.
"""

from __future__ import annotations

from .runtime import telegram_call

DELETED, ABSENT = "deleted", "absent"


def storage_message_delete(*, chat_id: int, message_id: int) -> str:
    """Delete one message through a leased ingest account of this process: ``"deleted"`` or
    ``"absent"`` (already gone). Raises the swarm's ``Requeue`` (flood wait, accounts held
    elsewhere) and ``TransientError`` (Telegram errors, no account)."""
    from swarm.models import WorkerRole

    deleted = telegram_call(
        role=WorkerRole.INGEST,
        task=f"delete storage message {chat_id}/{message_id}",
        op=lambda gw, worker_id: gw.delete_messages(worker_id, chat_id, message_id),
    )
    return DELETED if deleted else ABSENT


def storage_delete_send(*, ref: str) -> tuple[str, str | None]:
    """Queue the deletion of a ``telegram`` vault ref (``"<chat_id>:<message_id>"``) after the
    surrounding transaction (if any) commits. Returns ``(task_id, outcome)``: the outcome is
    known at once only in eager mode (the embedded default), else None until the worker ran.
    ``NotFound`` for a ref that names no message."""
    from django.db import transaction

    from swarm.tasks import telegram_delete_message
    from swarm.vault.telegram import parse_ref

    chat_id, message_id = parse_ref(ref)
    signature = telegram_delete_message.s(chat_id, message_id)
    if telegram_delete_message.app.conf.task_always_eager:
        result = signature.apply()
        return result.id, str(result.get())
    task_id = signature.freeze().id
    transaction.on_commit(lambda: signature.apply_async(task_id=task_id))
    return task_id, None


def storage_delete_result(*, task_id: str) -> str | None:
    """The outcome of a queued deletion: ``"deleted"``, ``"absent"``, ``"failed: …"`` (it
    gave up; send it again) or None (queued, running or retrying)."""
    from celery.result import AsyncResult

    from streamvault.celery import app

    result = AsyncResult(task_id, app=app)
    if result.successful():
        return str(result.result)
    if result.failed():
        return f"failed: {type(result.result).__name__}: {result.result}"[:200]
    return None
