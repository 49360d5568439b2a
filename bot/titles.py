"""What the admin commands share: who is asking (an admin, else a refusal), which title they
name, and the one-line card the bot shows for it."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from accounts.models import User
from bot.services import bot_admin_for
from bot.ui import ADMINS_ONLY, EXPIRED, answer, button_expired, reply
from catalog.models import Title
from catalog.selectors import title_by_reference


def title_line(title: Title) -> str:
    year = f" ({title.year})" if title.year else ""
    return f"{title.title}{year} · {title.media_type} · {title.status} · {title.short_id}"


async def admin_of_message(message: Any) -> User | None:
    """The admin who sent ``message``; None after telling a non-admin no."""
    sender = getattr(message, "from_user", None)
    admin = await sync_to_async(bot_admin_for)(telegram_id=getattr(sender, "id", None))
    if admin is None:
        await reply(message, ADMINS_ONLY)
    return admin


async def admin_of_query(query: Any) -> User | None:
    """The admin who pressed a button; None after answering a non-admin no."""
    admin = await sync_to_async(bot_admin_for)(telegram_id=getattr(query.from_user, "id", None))
    if admin is None:
        await answer(query, ADMINS_ONLY, alert=True)
    return admin


async def admin_of_fresh_query(query: Any) -> User | None:
    """The admin who pressed a button that has not expired; None after answering why not."""
    admin = await admin_of_query(query)
    if admin is None:
        return None
    if button_expired(query):
        await answer(query, EXPIRED, alert=True)
        return None
    return admin


async def title_named(message: Any, usage: str) -> Title | None:
    """The title the command's argument names; None after saying what is wrong."""
    args = (message.command or [])[1:]
    if not args:
        await reply(message, f"Usage: {usage}")
        return None
    ref = " ".join(args)
    title = await sync_to_async(title_by_reference)(ref)
    if title is None:
        await reply(message, f"No title matches {ref[:80]!r}. Usage: {usage}")
    return title


async def title_by_id(title_id: str) -> Title | None:
    if not title_id.isdigit():
        return None
    return await sync_to_async(Title.objects.filter(pk=int(title_id)).first)()
