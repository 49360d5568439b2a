"""The Manager bot on the fake gateway (``TELEGRAM_GATEWAY=fake``; chosen explicitly by the dev
script and the topology smoke test, never by default): no Telegram. Updates come from the Redis
list ``bot:fake:inbox`` (JSON ``{"user_id", "first_name", "text"}``), are made into real
pyrogram ``Message`` objects and dispatched to the same handlers as the real client; what the
bot sends is pushed to ``bot:fake:outbox`` (JSON ``{"chat_id", "text"}``)."""

from __future__ import annotations

import asyncio
import datetime
import itertools
import json
import logging
from typing import Any

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from pyrogram import enums
from pyrogram.handlers import MessageHandler
from pyrogram.types import Chat, Message, User

from bot.handlers import HANDLERS

log = logging.getLogger(__name__)

INBOX, OUTBOX = "bot:fake:inbox", "bot:fake:outbox"
ME = User(id=999_000_001, is_bot=True, first_name="Manager", username="streamvault_fake_bot")


def redis_client() -> redis.Redis:
    # Its own client: the shared ones time out in 0.25 s, shorter than a blocking pop.
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=10)


class FakeBotClient:
    """The client methods the handlers call, answered locally."""

    def __init__(self) -> None:
        self.me = ME
        self._ids = itertools.count(1)
        self.redis = redis_client()

    async def send_message(self, chat_id: int, text: str, **kw: Any) -> Message:
        await asyncio.to_thread(
            self.redis.rpush, OUTBOX, json.dumps({"chat_id": chat_id, "text": text})
        )
        now = datetime.datetime.now(datetime.UTC)
        return Message(id=next(self._ids), chat=Chat(id=chat_id), text=text, date=now)

    async def edit_message_text(self, chat_id: int, message_id: int, text: str, **kw: Any):
        await self.send_message(chat_id, text)
        return True

    async def answer_callback_query(self, *args: Any, **kw: Any) -> bool:
        return True


def message_of(client: FakeBotClient, update: dict) -> Message:
    sender = User(id=int(update["user_id"]), is_bot=False, first_name=update.get("first_name", ""))
    return Message(
        client=client,
        id=next(client._ids),
        from_user=sender,
        chat=Chat(id=sender.id, type=enums.ChatType.PRIVATE, first_name=sender.first_name),
        date=datetime.datetime.now(datetime.UTC),
        text=str(update.get("text", "")),
    )


async def dispatch(client: Any, message: Message) -> Any:
    """As pyrogram's dispatcher in group 0: the first handler whose filter matches runs.
    Returns that handler (None when none matched)."""
    for callback, flt in HANDLERS:
        if await MessageHandler(callback, flt).check(client, message):
            await callback(client, message)
            return callback
    return None


async def run(*, once: bool = False) -> None:
    client = FakeBotClient()
    pause = 0.5
    while True:
        try:
            item = await asyncio.to_thread(client.redis.blpop, [INBOX], 1)
        except redis.RedisError as exc:
            # Redis is away (restarting, a network blip): wait and try again, never exit.
            log.warning("fake bot: Redis unavailable (%s); retrying in %.1fs", exc, pause)
            if once:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 10.0)
            continue
        pause = 0.5
        if item is not None:
            try:
                # As Django at each request (the real client's group -1 handler does the same).
                await sync_to_async(close_old_connections)()
                await dispatch(client, message_of(client, json.loads(item[1])))
            except Exception:  # one bad update must not stop the bot
                log.exception("fake bot update failed")
        if once:
            return
