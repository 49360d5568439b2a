"""/status (admins): the swarm, the queues, the jobs, the reports and the quarantine in one
message (``medic.selectors.system_status``)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from pyrogram import filters

from bot.titles import admin_of_message
from bot.ui import reply
from medic.selectors import system_status


def status_text(numbers: dict[str, Any]) -> str:
    w = numbers["workers"]
    queues = numbers["queues"]
    queue_line = (
        " · ".join(f"{name} {depth}" for name, depth in queues.items())
        if queues is not None
        else "the broker is not reachable"
    )
    jobs, reports = numbers["jobs"], numbers["reports"]
    lines = [
        "📊 StreamVault status",
        f"Accounts: {w['active']} active · {w['busy']} busy · {w['flood_wait']} in flood wait "
        f"· {w['dead']} dead",
        f"Queues: {queue_line}",
        f"Jobs: {jobs['running']} running · {jobs['queued']} queued · "
        f"{jobs['failed_today']} failed in 24 h",
    ]
    lines += [f"  #{job_id} {kind} {progress} %" for job_id, kind, progress in numbers["running"]]
    lines += [
        f"Reports: {reports['pending']} pending · {reports['needs_human']} need a human · "
        f"{reports['repairing']} repairing",
        f"Quarantine: {numbers['quarantine']} submissions waiting",
    ]
    return "\n".join(lines)


async def on_status(client: Any, message: Any) -> None:
    if await admin_of_message(message) is None:
        return
    numbers = await sync_to_async(system_status)()
    await reply(message, status_text(numbers))


FILTER = filters.command("status")
