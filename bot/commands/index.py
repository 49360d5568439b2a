"""Forward-to-index: an admin forwards (or sends) a video or a document in a private chat; the
bot queues an ingest job, says so, and replies again with the title link when the job ends."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from asgiref.sync import sync_to_async
from pyrogram import filters

from bot.services import BotError, bot_admin_for, bot_index_message, bot_job_outcome, job_admin_link
from bot.ui import reply

REFUSAL = (
    "Sorry — only StreamVault admins can add files to the library. "
    "If you think you should be one, ask an administrator."
)
# How the bot follows a job it queued (``run_bot`` may change them).
FOLLOW = {"poll_seconds": 5.0, "timeout_seconds": 2 * 3600.0}
_follows: set[asyncio.Task] = set()  # keep references: the loop holds tasks weakly


async def follow_job(
    message: Any, job_id: int, *, poll_seconds: float, timeout_seconds: float
) -> str:
    """Wait for the job to end and reply with its outcome (the title link). Returns the text."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        text = await sync_to_async(bot_job_outcome)(job_id=job_id)
        if text is not None:
            break
        if time.monotonic() >= deadline:
            link = job_admin_link(job_id)
            text = f"Job #{job_id} is still running; follow it in the admin: {link}"
            break
        await asyncio.sleep(poll_seconds)
    await reply(message, text)
    return text


async def on_media(client: Any, message: Any) -> asyncio.Task | None:
    """A video or a document in a private chat: index it when an admin sent it. Returns the
    task that follows the job (None when nothing was queued)."""
    sender = getattr(message, "from_user", None)
    actor = await sync_to_async(bot_admin_for)(telegram_id=getattr(sender, "id", None))
    if actor is None:
        await reply(message, REFUSAL)
        return None
    try:
        job = await bot_index_message(client=client, message=message, actor=actor)
    except BotError as exc:
        await reply(message, f"Not indexed: {exc}")
        return None
    await reply(message, f"⏳ Indexing — job #{job.pk}. I will tell you when it is done.")
    task = asyncio.ensure_future(follow_job(message, job.pk, **FOLLOW))
    _follows.add(task)
    task.add_done_callback(_follows.discard)
    return task


FILTER = filters.private & (filters.video | filters.document)
