"""Re-copy (``recopy``, telegram queue): a fresh storage-channel message for a media file whose
message is gone or unreadable — the medic's repair loop calls ``recopy_create``
(``ingest.repair``); the steps are::

    copy ─▶ verify ─▶ attach ─▶ publish ─▶ cleanup

See ``ingest.repair`` for what each step guarantees.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from catalog import services as catalog
from ingest.blocked import blocked_hash_check, file_sha256
from ingest.errors import BlockedFileError
from ingest.repair import storage_channel
from ingest.runner import (
    attach_target,
    repair_file,
    repaired_publish,
    steps_run,
    work_cleanup,
)
from ingest.work import work_dir
from jobs.engine import JobContext, PermanentError
from swarm.models import WorkerRole
from swarm.storage.vault_entry import message_stored
from swarm.telegram.gateway import ChatRef, SessionRevoked, TelegramError
from swarm.telegram.runtime import telegram_call


def _recopy_copy(ctx: JobContext) -> None:
    storage = storage_channel()
    if storage is None:
        raise PermanentError("no active storage channel is configured")
    sources = [tuple(s) for s in ctx.payload["sources"]]

    async def copy_first(gw, worker_id: int) -> dict[str, Any]:
        # A source that is gone is not the account's fault: try the next one. A flood wait or
        # a revoked session is, and goes up to telegram_call.
        errors: list[str] = []
        for chat_id, message_id in sources:
            try:
                await gw.chats_warm(worker_id, [ChatRef(chat_id=chat_id)])
                new_id = await gw.copy_message(worker_id, chat_id, message_id, storage.chat_id)
            except SessionRevoked:
                raise
            except TelegramError as exc:
                errors.append(f"{chat_id}/{message_id}: {exc}")
                continue
            return {
                "chat_id": storage.chat_id,
                "message_id": new_id,
                "source": [chat_id, message_id],
            }
        return {"errors": errors}

    copied = telegram_call(
        role=WorkerRole.INGEST,
        task=f"job {ctx.job.pk}: re-copy to storage",
        op=copy_first,
        on_worker=ctx.set_worker,
    )
    if "errors" in copied:
        raise PermanentError(
            "no message carrying the file could be copied: " + "; ".join(copied["errors"])[:1500]
        )
    ctx.state["copied"] = copied


def _recopy_verify(ctx: JobContext) -> None:
    media_file = repair_file(ctx)
    if media_file is None:
        raise PermanentError("the media file was deleted while the job ran")
    if media_file.size_bytes > settings.FORWARD_MAX_BYTES:
        raise PermanentError(f"file of {media_file.size_bytes} bytes is over FORWARD_MAX_BYTES")
    chat_id, message_id = ctx.state["copied"]["chat_id"], ctx.state["copied"]["message_id"]
    dest = work_dir(ctx.job.pk) / "copy.bin"
    info = telegram_call(
        role=WorkerRole.INGEST,
        task=f"job {ctx.job.pk}: verify {chat_id}/{message_id}",
        op=lambda gw, wid: gw.download(wid, chat_id, message_id, dest),
        on_worker=ctx.set_worker,
    )
    sha256 = file_sha256(dest)
    try:
        blocked_hash_check(
            sha256=sha256, source=f"tg:{chat_id}/{message_id}", size_bytes=dest.stat().st_size
        )
    except BlockedFileError as exc:
        raise PermanentError(str(exc)) from exc
    if sha256 != media_file.file_hash:
        raise PermanentError(
            f"the copied message carries other bytes ({sha256[:16]}… is not the file's "
            f"{media_file.file_hash[:16]}…)"
        )
    ctx.state["sha256"] = sha256
    ctx.state["tg_raw"] = info["tg_raw"]
    dest.unlink(missing_ok=True)


def _recopy_attach(ctx: JobContext) -> None:
    """Runs inside the step's transaction (with the step record)."""
    media_file = attach_target(ctx)
    if media_file.file_hash != ctx.state["sha256"]:
        raise PermanentError("the file got other bytes while the job ran (a re-leech?)")
    copied = ctx.state["copied"]
    stored = message_stored(
        chat_id=copied["chat_id"],
        message_id=copied["message_id"],
        size=media_file.size_bytes,
        tg_raw=ctx.state["tg_raw"],
    )
    catalog.media_file_relocate(
        media_file=media_file, backend=stored["backend"], ref=stored["ref"], tg_raw=stored["tg_raw"]
    )
    ctx.state["title_id"] = media_file.title_id


def recopy_run(ctx: JobContext) -> dict[str, Any]:
    if repair_file(ctx) is None:
        return {"gone": True}
    steps: list[tuple[str, int, Any]] = [
        ("copy", 40, _recopy_copy),
        ("verify", 80, _recopy_verify),
        ("attach", 90, _recopy_attach),
        ("publish", 95, repaired_publish),
        ("cleanup", 100, work_cleanup),
    ]
    steps_run(ctx, steps)
    copied = ctx.state["copied"]
    return {
        "media_file_id": ctx.payload["media_file_id"],
        "title_id": ctx.state["title_id"],
        "ref": f"{copied['chat_id']}:{copied['message_id']}",
        "copied_from": copied["source"],
    }
