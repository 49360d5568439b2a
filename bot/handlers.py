"""Every command of the Manager bot, in the order the client tries them. A new command is one
module in ``bot/commands/`` (a handler and its ``FILTER``) and one line here."""

from __future__ import annotations

from bot.commands import index, start

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
]
