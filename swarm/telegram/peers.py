"""Making channels known to a user account's client before it uses them.

A fresh in-memory session knows no peer. Given a ``-100…`` id it has never seen, kurigram asks
Telegram ``channels.GetChannels`` with ``access_hash=0``, which Telegram answers only for bots:
a user account gets CHANNEL_INVALID. So at start each account learns its chats — from the
access hashes it kept last time, else its dialogs (the chats it is a member of), else a public
username or an invite link — and the hashes are kept for the next start
(``Worker.peer_hashes``). An access hash is per account: one account's is no good to another.
"""

from __future__ import annotations

import logging
from typing import Any

from pyrogram import errors

from .gateway import ChatRef, PeerUnknown

log = logging.getLogger(__name__)


async def _hash_of(client: Any, chat_id: int) -> int | None:
    try:
        peer = await client.storage.get_peer_by_id(chat_id)
    except KeyError:
        return None
    return int(getattr(peer, "access_hash", 0) or 0) or None


async def peers_warm(
    client: Any, chats: list[ChatRef], known: dict[int, int] | None = None
) -> dict[int, int]:
    """Make ``chats`` known to ``client`` (a started ``pyrogram.Client``); chat id → access
    hash. Raises ``PeerUnknown`` listing every chat that did not resolve."""
    seeds = [(int(cid), int(h), "channel", None) for cid, h in (known or {}).items() if h]
    if seeds:
        await client.storage.update_peers(seeds)
    hashes = {c.chat_id: h for c in chats if (h := await _hash_of(client, c.chat_id))}
    missing = [c for c in chats if c.chat_id not in hashes]
    if missing:  # the chats the account is a member of
        wanted = {c.chat_id for c in missing}
        async for dialog in client.get_dialogs():
            wanted.discard(dialog.chat.id)
            if not wanted:
                break
    for chat in missing:
        if (h := await _hash_of(client, chat.chat_id)) is None:
            try:
                if chat.username:
                    await client.resolve_peer(chat.username)
                elif chat.invite_link:
                    await client.get_chat(chat.invite_link)  # a member sees the chat itself
            except (errors.RPCError, KeyError, ValueError) as exc:
                log.warning("chat %s: %s", chat.chat_id, exc)
            h = await _hash_of(client, chat.chat_id)
        if h is not None:
            hashes[chat.chat_id] = h
    unknown = [c.chat_id for c in chats if c.chat_id not in hashes]
    if unknown:
        raise PeerUnknown(
            f"CHANNEL_INVALID: the account cannot see chat(s) {unknown} (not a member, and no "
            "username or invite link that resolves)"
        )
    return hashes
