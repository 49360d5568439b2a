"""/takedown <short_id | tmdb_id | title link> (admins): the title, a reason to pick (DMCA,
illegal content, or another typed as a reply), a confirmation, then the kill switch
(``medic.services.title_takedown``: idempotent, audited, the admin alerts channel told)."""

from __future__ import annotations

import re
from typing import Any

from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from pyrogram import filters
from pyrogram.types import ForceReply

from bot.titles import (
    admin_of_fresh_query,
    admin_of_message,
    admin_of_query,
    title_by_id,
    title_line,
    title_named,
)
from bot.ui import answer, button, callback_args, edit, keyboard, reply
from catalog.models import Title, TitleStatus
from medic.services import title_takedown

USAGE = "/takedown <short_id | TMDB id | title link>"
REASONS = {"dmca": "DMCA notice", "illegal": "Illegal content"}
# The prompt for a typed reason; the admin's reply to it is matched by this marker.
PROMPT = "Reason for taking down {short_id}? Reply to this message with it."
PROMPT_RE = re.compile(r"^Reason for taking down ([0-9A-Za-z]{7})\?")


async def on_takedown(client: Any, message: Any) -> None:
    if await admin_of_message(message) is None:
        return
    title = await title_named(message, USAGE)
    if title is None:
        return
    if title.status == TitleStatus.BANNED:
        await reply(message, f"Already taken down: {title_line(title)}")
        return
    await reply(
        message,
        f"⛔ Take down {title_line(title)}?\nIts files, packs, pages and images stop being "
        "served and their stored bytes are deleted. Pick the reason:",
        keyboard(
            [button(label, "tdr", title.pk, code) for code, label in REASONS.items()],
            [button("Another reason…", "tdo", title.pk), button("Cancel", "tdn", title.pk)],
        ),
    )


async def _execute(admin: Any, title: Title, reason: str) -> str:
    try:
        takedown = await sync_to_async(title_takedown)(title=title, actor=admin, reason=reason)
    except PermissionDenied:
        return "You may not take titles down (ask for the takedown permission)."
    except ValidationError as exc:
        return " ".join(exc.messages)
    return f"⛔ Taken down: {title_line(title)}\nReason: {takedown.reason}"


async def _pressed(query: Any) -> tuple[Any, Title, str] | None:
    """The admin, the title and the reason code of a reason or confirmation button."""
    admin = await admin_of_fresh_query(query)
    if admin is None:
        return None
    title_id, code = callback_args(query, 2)
    title = await title_by_id(title_id)
    if title is None or code not in REASONS:
        await answer(query, "That title is gone.")
        return None
    return admin, title, code


async def on_reason(client: Any, query: Any) -> None:
    """A reason button: ask for the final yes."""
    pressed = await _pressed(query)
    if pressed is None:
        return
    _, title, code = pressed
    await answer(query, REASONS[code])
    await edit(
        query,
        f"⛔ Take down {title_line(title)} for “{REASONS[code]}”?",
        keyboard(
            [button("Yes, take it down", "tdy", title.pk, code), button("Cancel", "tdn", title.pk)]
        ),
    )


async def on_confirm(client: Any, query: Any) -> None:
    pressed = await _pressed(query)
    if pressed is None:
        return
    admin, title, code = pressed
    text = await _execute(admin, title, f"{REASONS[code]} (via the bot)")
    await answer(query, "Done." if text.startswith("⛔") else text[:200])
    await edit(query, text)


async def on_cancel(client: Any, query: Any) -> None:
    if await admin_of_query(query) is None:
        return
    await answer(query, "Cancelled.")
    await edit(query, "Takedown cancelled; nothing changed.")


async def on_other(client: Any, query: Any) -> None:
    """ "Another reason…": a prompt the admin answers by replying with the reason."""
    if await admin_of_fresh_query(query) is None:
        return
    (title_id,) = callback_args(query, 1)
    title = await title_by_id(title_id)
    if title is None:
        await answer(query, "That title is gone.")
        return
    await answer(query, "Reply with the reason.")
    await reply(query.message, PROMPT.format(short_id=title.short_id), ForceReply(selective=True))


async def on_reason_reply(client: Any, message: Any) -> None:
    """The admin's reply to the prompt: the reason, and the go-ahead."""
    admin = await admin_of_message(message)
    if admin is None:
        return
    prompt = PROMPT_RE.match(message.reply_to_message.text or "")
    reason = (message.text or "").strip()
    title = await sync_to_async(Title.objects.filter(short_id=prompt.group(1)).first)()
    if title is None:
        await reply(message, "That title is gone.")
        return
    if not reason:
        await reply(message, "Reply with the reason as text.")
        return
    await reply(message, await _execute(admin, title, f"{reason[:400]} (via the bot)"))


async def _replies_to_prompt(_: Any, __: Any, message: Any) -> bool:
    replied = getattr(message, "reply_to_message", None)
    return bool(replied is not None and PROMPT_RE.match(getattr(replied, "text", "") or ""))


FILTER = filters.command("takedown")
REPLY_FILTER = filters.text & filters.reply & filters.create(_replies_to_prompt)
CALLBACKS = {"tdr": on_reason, "tdy": on_confirm, "tdn": on_cancel, "tdo": on_other}
