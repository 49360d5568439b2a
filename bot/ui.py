"""How the bot talks: replies that wait out a flood wait instead of being lost, inline buttons
(callback data ``route|arg|…``, at most 64 bytes as Telegram allows), the age of a pressed
button, and the lines every command shares."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from django.conf import settings
from pyrogram.errors import FloodWait
from pyrogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

T = TypeVar("T")

FLOOD_RETRIES = 3
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
BANNED = "This account is banned."
ADMINS_ONLY = "Only StreamVault admins can do that."
EXPIRED = "This button has expired. Send the command again."
PRIVATE_ONLY = "Send me that in a private chat."


async def flood_safe(call: Callable[[], Awaitable[T]]) -> T:
    """Run a Telegram call; on FloodWait, sleep the time Telegram asks and try again (a reply
    is late, never lost), up to FLOOD_RETRIES times."""
    for attempt in range(FLOOD_RETRIES + 1):
        try:
            return await call()
        except FloodWait as exc:
            if attempt == FLOOD_RETRIES:
                raise
            await asyncio.sleep(float(exc.value or 1))
    raise AssertionError("unreachable")


def button(label: str, route: str, *args: object) -> InlineKeyboardButton:
    data = "|".join([route, *(str(a) for a in args)])
    if len(data.encode()) > 64:
        raise ValueError(f"callback data over 64 bytes: {data!r}")
    return InlineKeyboardButton(label, callback_data=data)


def url_button(label: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, url=url)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([row for row in rows if row])


async def reply(message: Any, text: str, markup: Any = None) -> Any:
    return await flood_safe(
        lambda: message.reply_text(text, reply_markup=markup, link_preview_options=NO_PREVIEW)
    )


def callback_args(query: Any, count: int) -> list[str]:
    """The first ``count`` arguments after the route in a button's callback data ("" for a
    missing one)."""
    args = str(query.data or "").split("|")[1:]
    return (args + [""] * count)[:count]


def button_expired(query: Any, *, now: datetime.datetime | None = None) -> bool:
    """A button on a message older than BOT_BUTTON_TTL seconds (since it was sent or last
    edited) does nothing: what it offered may have changed since."""
    message = getattr(query, "message", None)
    sent = getattr(message, "edit_date", None) or getattr(message, "date", None)
    if sent is None:
        return True
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=datetime.UTC)
    now = now or datetime.datetime.now(datetime.UTC)
    return (now - sent).total_seconds() > settings.BOT_BUTTON_TTL


async def answer(query: Any, text: str, *, alert: bool = False) -> None:
    await flood_safe(lambda: query.answer(text[:200], show_alert=alert))


async def edit(query: Any, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the message the button was on (its buttons go, unless new ones are given)."""
    await flood_safe(
        lambda: query.edit_message_text(text, reply_markup=markup, link_preview_options=NO_PREVIEW)
    )


def site_url(path: str = "/") -> str:
    return settings.SITE_URL.rstrip("/") + path
