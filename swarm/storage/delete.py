"""Deleting storage-channel messages through the gateway (a takedown's "delete the bytes").

The medic's process holds no Telegram account, so ``TelegramStorage.delete_send``
(``swarm.storage.vault_entry``) queues ``swarm.tasks.telegram_delete_message`` on the ``telegram``
queue, whose worker holds the ingest accounts; the task leases one (the rotation, as a re-copy
does) and calls this. Idempotent: a message that is already gone answers ``"absent"``.
"""

from __future__ import annotations

from swarm.models import WorkerRole
from swarm.telegram.gateway import ChatRef
from swarm.telegram.runtime import telegram_call

DELETED, ABSENT = "deleted", "absent"


def storage_message_delete(*, chat_id: int, message_id: int) -> str:
    """Delete one message through a leased ingest account of this process: ``"deleted"`` or
    ``"absent"`` (already gone). Raises the swarm's ``Requeue`` (flood wait, accounts held
    elsewhere) and ``TransientError`` (Telegram errors, no account)."""

    async def delete(gw, worker_id: int) -> int:
        # The chat may be one the account's runtime did not warm (a storage channel no longer
        # active): it learns it from its dialogs first.
        await gw.chats_warm(worker_id, [ChatRef(chat_id=chat_id)])
        return await gw.delete_messages(worker_id, chat_id, message_id)

    deleted = telegram_call(
        role=WorkerRole.INGEST, task=f"delete storage message {chat_id}/{message_id}", op=delete
    )
    return DELETED if deleted else ABSENT
