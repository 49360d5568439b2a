"""Every command and button of the Manager bot. A new command is one module in
``bot/commands/`` (its handlers, ``FILTER`` and ``CALLBACKS``) and a line here. Messages go to
the first handler whose filter matches, in this order (the catch-all for unknown commands
last); a button goes to the handler of its route (the callback data before the first ``|``)."""

from __future__ import annotations

from typing import Any

from bot.commands import edit, index, login, request, review, start, status, takedown
from bot.ui import answer

# Re-exported for the client and the tests.
FOLLOW = index.FOLLOW
REFUSAL = index.REFUSAL
HELP = start.HELP
follow_job = index.follow_job
on_media = index.on_media
on_start = start.on_start

HANDLERS = [
    (index.on_media, index.FILTER),
    (start.on_start, start.FILTER),
    (start.on_help, start.HELP_FILTER),
    (login.on_login, login.FILTER),
    (takedown.on_takedown, takedown.FILTER),
    (takedown.on_reason_reply, takedown.REPLY_FILTER),
    (status.on_status, status.FILTER),
    (edit.on_edit, edit.FILTER),
    (edit.on_field_reply, edit.FIELD_REPLY_FILTER),
    (edit.on_poster_reply, edit.POSTER_REPLY_FILTER),
    (edit.on_imdb_reply, edit.IMDB_REPLY_FILTER),
    (request.on_request, request.FILTER),
    (request.on_requests, request.LIST_FILTER),
    (start.on_unknown, start.UNKNOWN_FILTER),
]

CALLBACKS: dict[str, Any] = {
    **takedown.CALLBACKS,
    **request.CALLBACKS,
    **review.CALLBACKS,
    **edit.CALLBACKS,
}


async def on_button(client: Any, query: Any) -> None:
    """A pressed button: the handler of its route, or a polite nothing for an unknown one (a
    button of an older version of the bot)."""
    route = str(query.data or "").split("|", 1)[0]
    handler = CALLBACKS.get(route)
    if handler is None:
        await answer(query, "This button no longer does anything. Send the command again.")
        return
    await handler(client, query)
