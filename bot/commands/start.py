"""/start [ref_CODE] and /help: register the sender (a deep link ``t.me/<bot>?start=ref_CODE``
applies the invite once), and say what the bot can do for them."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from pyrogram import filters

from accounts import services as accounts
from accounts.services import Referral
from bot.ui import BANNED, keyboard, reply, site_url, url_button

REFERRAL_LINES = {
    Referral.APPLIED: "🤝 You joined through an invite — thank you, and welcome!",
    Referral.OWN: "That is your own invite link: share it with friends instead.",
    Referral.UNKNOWN: "That invite code is not valid; you are registered all the same.",
    Referral.ALREADY: "You already joined through an invite; that stays as it was.",
    Referral.CYCLE: "That invite cannot be used: you invited its owner.",
}
COMMANDS = (
    "/login — a link that logs you in on the website\n"
    "/request <title> — ask for a title we do not have yet\n"
    "/requests — your open requests\n"
    "/help — this list"
)
HELP = "I am the StreamVault Manager bot.\n" + COMMANDS


def _invite_link(bot_username: str | None, code: str | None) -> str:
    if not (bot_username and code):
        return ""
    return f"\nInvite friends: https://t.me/{bot_username}?start=ref_{code}"


def _register(telegram_id: int, first_name: str, payload: str) -> tuple[Any, str | None]:
    user = accounts.user_register_telegram(telegram_id=telegram_id, first_name=first_name)
    outcome = None
    if payload.startswith("ref_") and not user.is_banned:
        outcome = accounts.referral_apply(user=user, code=payload.removeprefix("ref_"))
    return user, outcome


async def on_start(client: Any, message: Any) -> None:
    sender = message.from_user
    payload = message.command[1] if len(message.command or []) > 1 else ""
    user, outcome = await sync_to_async(_register)(
        sender.id, " ".join(filter(None, [sender.first_name, sender.last_name])), payload
    )
    if user.is_banned:
        await reply(message, BANNED)
        return
    name = user.first_name or "there"
    lines = [f"Welcome, {name}! 🎬 Movies, series and manga on {site_url()}"]
    if outcome is not None:
        lines.append(REFERRAL_LINES[outcome])
    lines.append(COMMANDS)
    me = getattr(client, "me", None)
    text = "\n\n".join(lines) + _invite_link(getattr(me, "username", None), user.referral_code)
    await reply(message, text, keyboard([url_button("Open StreamVault", site_url())]))


async def on_help(client: Any, message: Any) -> None:
    await reply(message, HELP)


async def on_unknown(client: Any, message: Any) -> None:
    """Any other command: the short help."""
    command = (message.text or "/?").split()[0].lstrip("/").split("@")[0][:32]
    await reply(message, f"I do not know /{command}.\n{COMMANDS}")


FILTER = filters.private & filters.command("start")
HELP_FILTER = filters.command("help")
UNKNOWN_FILTER = filters.private & filters.regex(r"^/\w")
