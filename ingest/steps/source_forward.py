"""Source: a Telegram message forwarded to the Manager bot (forward-to-index). The bytes are
downloaded once through a leased account (for the blocked-hash check, ffprobe, subtitles and
screenshots); the video itself is not re-uploaded: the message is the stored copy."""

from __future__ import annotations

from django.conf import settings

from ingest.work import work_dir
from jobs.engine import JobContext, PermanentError
from swarm.models import Channel, WorkerRole
from swarm.storage.vault_entry import message_stored
from swarm.telegram.gateway import ChatRef
from swarm.telegram.runtime import telegram_call


def run(ctx: JobContext) -> None:
    p = ctx.payload
    if p.get("size") and p["size"] > settings.FORWARD_MAX_BYTES:
        raise PermanentError(f"file of {p['size']} bytes is over FORWARD_MAX_BYTES")
    chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
    if p.get("copy_to_storage") and "copied" not in ctx.state:
        storage = Channel.objects.filter(kind=Channel.Kind.STORAGE, is_active=True).first()
        if storage is not None:
            source = ChatRef(chat_id=chat_id, username=p.get("chat_username", "") or "")

            async def copy(gw, wid: int) -> int:
                await gw.chats_warm(wid, [source])
                return await gw.copy_message(wid, chat_id, message_id, storage.chat_id)

            new_id = telegram_call(
                role=WorkerRole.INGEST,
                task=f"job {ctx.job.pk}: copy to storage",
                op=copy,
                on_worker=ctx.set_worker,
            )
            ctx.state["copied"] = {"chat_id": storage.chat_id, "message_id": new_id}
            ctx.save_state()
    if "copied" in ctx.state:
        chat_id, message_id = ctx.state["copied"]["chat_id"], ctx.state["copied"]["message_id"]
    dest = work_dir(ctx.job.pk) / "source.part"
    # The origin may be a channel the account never saw: it learns it first (a member's
    # dialogs, or the public username the forward showed).
    origin = ChatRef(chat_id=chat_id, username=p.get("chat_username", "") or "")

    async def download(gw, wid: int):
        await gw.chats_warm(wid, [origin])
        return await gw.download(wid, chat_id, message_id, dest)

    info = telegram_call(
        role=WorkerRole.INGEST,
        task=f"job {ctx.job.pk}: download {chat_id}/{message_id}",
        op=download,
        on_worker=ctx.set_worker,
    )
    size = dest.stat().st_size
    ctx.state["source"] = {
        "path": str(dest),
        "file_name": p.get("file_name") or info["file_name"],
        "size": size,
        "content_type": info.get("mime_type", ""),
        "origin": f"tg:{chat_id}/{message_id}",
        "stored": message_stored(
            chat_id=chat_id, message_id=message_id, size=size, tg_raw=info["tg_raw"]
        ),
    }
