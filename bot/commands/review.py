"""The quarantine channel's review buttons (seed 002 §4, channel C): each new submission is
posted there by the bot with Approve / Reject; an admin's press runs the submission services
(``ingest.submissions``: an ingest job, or a rejection with a reason; the submitter is told
either way). A second press, or one by another admin later, changes nothing and says who
reviewed it."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from bot.titles import admin_of_query
from bot.ui import EXPIRED, answer, button, button_expired, callback_args, edit, keyboard
from ingest.models import Submission
from ingest.submissions import submission_approve, submission_reject

REASONS = {
    "dup": "Already in the library",
    "quality": "Poor quality or broken file",
    "rules": "Not allowed here",
}


def _submission(submission_id: str) -> Submission | None:
    if not submission_id.isdigit():
        return None
    return (
        Submission.objects.select_related("reviewed_by", "job")
        .filter(pk=int(submission_id))
        .first()
    )


def _line(submission: Submission) -> str:
    hint = f" ({submission.title_hint})" if submission.title_hint else ""
    return f"📥 Submission #{submission.pk}{hint}: {submission.url}"


def _outcome(submission: Submission) -> str:
    who = getattr(submission.reviewed_by, "first_name", "") or "an admin"
    if submission.status == "approved":
        job = f" — job #{submission.job_id}" if submission.job_id else ""
        return f"{_line(submission)}\n✅ Approved by {who}{job}"
    if submission.status == "rejected":
        return f"{_line(submission)}\n✖ Rejected by {who}: {submission.reject_reason}"
    return _line(submission)


def _approve(submission_id: str, admin: Any) -> tuple[bool, str] | None:
    submission = _submission(submission_id)
    if submission is None:
        return None
    done = submission_approve(submission=submission, actor=admin)
    return done, _outcome(_submission(submission_id))


def _reject(submission_id: str, admin: Any, reason: str) -> tuple[bool, str] | None:
    submission = _submission(submission_id)
    if submission is None:
        return None
    done = submission_reject(submission=submission, actor=admin, reason=reason)
    return done, _outcome(_submission(submission_id))


async def _checked(query: Any) -> Any:
    admin = await admin_of_query(query)
    if admin is None:
        return None
    if button_expired(query):
        await answer(query, EXPIRED, alert=True)
        return None
    return admin


async def on_approve(client: Any, query: Any) -> None:
    admin = await _checked(query)
    if admin is None:
        return
    (submission_id,) = callback_args(query, 1)
    result = await sync_to_async(_approve)(submission_id, admin)
    if result is None:
        await answer(query, "That submission is gone.")
        return
    done, text = result
    await answer(query, "Approved: ingesting." if done else "Already reviewed.")
    await edit(query, text)


async def on_reject(client: Any, query: Any) -> None:
    """Reject: pick the reason the submitter will read."""
    if await _checked(query) is None:
        return
    (submission_id,) = callback_args(query, 1)
    submission = await sync_to_async(_submission)(submission_id)
    if submission is None:
        await answer(query, "That submission is gone.")
        return
    if submission.status != "pending":
        await answer(query, "Already reviewed.")
        await edit(query, _outcome(submission))
        return
    await answer(query, "Why? The submitter is told.")
    rows = [[button(label, "sbx", submission.pk, code)] for code, label in REASONS.items()]
    rows.append([button("← Back", "sbb", submission.pk)])
    await edit(query, f"{_line(submission)}\nReject because…", keyboard(*rows))


async def on_reject_reason(client: Any, query: Any) -> None:
    admin = await _checked(query)
    if admin is None:
        return
    submission_id, code = callback_args(query, 2)
    if code not in REASONS:
        await answer(query, "That button is broken.")
        return
    result = await sync_to_async(_reject)(submission_id, admin, REASONS[code])
    if result is None:
        await answer(query, "That submission is gone.")
        return
    done, text = result
    await answer(query, "Rejected." if done else "Already reviewed.")
    await edit(query, text)


async def on_back(client: Any, query: Any) -> None:
    if await _checked(query) is None:
        return
    (submission_id,) = callback_args(query, 1)
    submission = await sync_to_async(_submission)(submission_id)
    if submission is None:
        await answer(query, "That submission is gone.")
        return
    await answer(query, "")
    markup = (
        keyboard(
            [button("✅ Approve", "sba", submission.pk), button("✖ Reject", "sbr", submission.pk)]
        )
        if submission.status == "pending"
        else None
    )
    await edit(query, _outcome(submission), markup)


CALLBACKS = {"sba": on_approve, "sbr": on_reject, "sbx": on_reject_reason, "sbb": on_back}
