"""/start and /help: what the bot is and what it can do for the sender."""

from __future__ import annotations

from typing import Any

from pyrogram import filters

HELP = (
    "Hi! I am the StreamVault Manager bot.\n"
    "Admins: forward me a video or a document and I index it into the library."
)


async def on_start(client: Any, message: Any) -> None:
    await message.reply_text(HELP)


FILTER = filters.private & filters.command(["start", "help"])
