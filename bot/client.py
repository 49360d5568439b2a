"""The Manager bot's client: kurigram ``pyrogram.Client`` with the bot token (in memory: the
token is the credential, nothing is written to disk) and the handlers registered."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from pyrogram import Client
from pyrogram.handlers import CallbackQueryHandler, MessageHandler

from bot.handlers import HANDLERS, on_button


class BotNotConfigured(Exception):
    """No bot token (TELEGRAM_BOT_TOKEN) or API id/hash in the settings."""


async def fresh_db_connections(client: Any, update: Any) -> None:
    """Runs first for every message and button press (group -1), as Django does at each
    request: drop a database connection that broke or outlived CONN_MAX_AGE. The ORM calls of
    the handlers run in sync_to_async's one thread, so this closes the connection they use."""
    await sync_to_async(close_old_connections)()


def bot_client() -> Client:
    if not settings.TELEGRAM_BOT_TOKEN:
        raise BotNotConfigured("TELEGRAM_BOT_TOKEN is not set")
    if not (settings.TELEGRAM_API_ID and settings.TELEGRAM_API_HASH):
        raise BotNotConfigured("TELEGRAM_API_ID and TELEGRAM_API_HASH are not set")
    client = Client(
        name="manager-bot",
        api_id=settings.TELEGRAM_API_ID,
        api_hash=settings.TELEGRAM_API_HASH,
        bot_token=settings.TELEGRAM_BOT_TOKEN,
        in_memory=True,
    )
    client.add_handler(MessageHandler(fresh_db_connections), group=-1)
    client.add_handler(CallbackQueryHandler(fresh_db_connections), group=-1)
    for callback, flt in HANDLERS:
        client.add_handler(MessageHandler(callback, flt))
    client.add_handler(CallbackQueryHandler(on_button))
    return client
