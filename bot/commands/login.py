"""/login: a single-use link that logs the sender in on the website (a new one revokes the
one before). Only in a private chat: a link posted in a group would log in whoever opens it."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from pyrogram import enums, filters

from accounts import services as accounts
from accounts.errors import AccountsError
from bot.ui import BANNED, PRIVATE_ONLY, keyboard, reply, url_button


def _link(telegram_id: int, first_name: str) -> Any:
    user = accounts.user_register_telegram(telegram_id=telegram_id, first_name=first_name)
    return accounts.user_magic_link(user=user)


async def on_login(client: Any, message: Any) -> None:
    if message.chat.type != enums.ChatType.PRIVATE:
        await reply(message, f"🔒 {PRIVATE_ONLY} A login link is for you alone.")
        return
    sender = message.from_user
    try:
        link = await sync_to_async(_link)(sender.id, sender.first_name or "")
    except AccountsError as err:
        await reply(message, BANNED if err.code == "banned" else err.message)
        return
    minutes = max(1, round(settings.MAGIC_LINK_TTL / 60))
    await reply(
        message,
        f"🔑 Your login link works once, for {minutes} minutes. Do not share it.\n"
        "A new /login cancels this one.",
        keyboard([url_button("Log in to StreamVault", link.url)]),
    )


FILTER = filters.command("login")
