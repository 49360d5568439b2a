"""The quarantine channel's review buttons (docs/design.md): each new submission is
posted there by the bot with Approve / Reject; an admin's press runs the submission services
(``ingest.submissions``: an ingest job, or a rejection with a reason; the submitter is told
either way). A second press, or one by another admin later, changes nothing and says who
reviewed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async

from bot.titles import admin_of_fresh_query
from bot.ui import answer, button, callback_args, edit, keyboard
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


def _decide(submission_id: str, decide: Callable[[Submission], bool]) -> tuple[bool, str] | None:
    """Run ``decide`` (approve or reject) on the submission; None when it is gone, else whether
    this press decided it, and the post's new text."""
    submission = _submission(submission_id)
    if submission is None:
        return None
    done = decide(submission)
    return done, _outcome(_submission(submission_id))


async def _answer_decision(
    query: Any, submission_id: str, decide: Callable[[Submission], bool], done_text: str
) -> None:
    result = await sync_to_async(_decide)(submission_id, decide)
    if result is None:
        await answer(query, "That submission is gone.")
        return
    done, text = result
    await answer(query, done_text if done else "Already reviewed.")
    await edit(query, text)


async def on_approve(client: Any, query: Any) -> None:
    admin = await admin_of_fresh_query(query)
    if admin is None:
        return
    (submission_id,) = callback_args(query, 1)
    await _answer_decision(
        query,
        submission_id,
        lambda s: submission_approve(submission=s, actor=admin),
        "Approved: ingesting.",
    )


async def on_reject(client: Any, query: Any) -> None:
    """Reject: pick the reason the submitter will read."""
    if await admin_of_fresh_query(query) is None:
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
    admin = await admin_of_fresh_query(query)
    if admin is None:
        return
    submission_id, code = callback_args(query, 2)
    if code not in REASONS:
        await answer(query, "That button is broken.")
        return
    await _answer_decision(
        query,
        submission_id,
        lambda s: submission_reject(submission=s, actor=admin, reason=REASONS[code]),
        "Rejected.",
    )


async def on_back(client: Any, query: Any) -> None:
    if await admin_of_fresh_query(query) is None:
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
