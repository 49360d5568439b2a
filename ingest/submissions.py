"""Crowdsourced ingestion (docs/design.md): users submit links into quarantine; an admin approves
(→ an ingest job) or rejects (with a reason); the submitter is told either way — by a DM from
the Manager bot when they have a Telegram id, and always in ``GET /api/submissions/``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from ingest.kinds import JobKind
from ingest.models import Submission, SubmissionStatus
from ingest.pipeline import ingest_url_create
from jobs.engine import JobContext, job_create
from swarm.jobs import CHANNEL_POST
from swarm.models import Channel
from swarm.telegram.runtime import bot_send


@transaction.atomic
def submission_create(*, user: Any, url: str, title_hint: str = "") -> Submission:
    submission = Submission.objects.create(user=user, url=url, title_hint=title_hint.strip())
    if Channel.objects.filter(kind=Channel.Kind.QUARANTINE, is_active=True).exists():
        hint = f" ({submission.title_hint})" if submission.title_hint else ""
        job_create(
            kind=CHANNEL_POST,
            payload={
                "channel_kind": Channel.Kind.QUARANTINE,
                "text": f"📥 Submission #{submission.pk}{hint} by user {user.pk}: {url}",
                # The Manager bot's review buttons (bot/commands/review.py).
                "buttons": [
                    [["✅ Approve", f"sba|{submission.pk}"], ["✖ Reject", f"sbr|{submission.pk}"]]
                ],
            },
            dedupe_key=f"quarantine:{submission.pk}",
            priority=3,
        )
    return submission


def _notify(submission: Submission, text: str) -> None:
    job_create(
        kind=JobKind.NOTIFY_USER,
        payload={"user_id": submission.user_id, "text": text, "submission_id": submission.pk},
        dedupe_key=f"submission:{submission.pk}:{submission.status}",
        priority=4,
    )


@transaction.atomic
def submission_approve(*, submission: Submission, actor: Any) -> bool:
    """Pending → approved, with an ingest job. Idempotent (False when already reviewed)."""
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != SubmissionStatus.PENDING:
        return False

    job = ingest_url_create(
        url=locked.url, created_by=actor, title_hint=locked.title_hint, submission_id=locked.pk
    )
    locked.status = SubmissionStatus.APPROVED
    locked.job = job
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "job", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=actor,
        action="submission_approve",
        target=locked,
        before={"status": SubmissionStatus.PENDING},
        after={"status": locked.status, "job": job.pk},
    )
    _notify(locked, f"👍 Your submission {locked.url} was approved and is being ingested.")
    submission.refresh_from_db()
    return True


@transaction.atomic
def submission_reject(*, submission: Submission, actor: Any, reason: str) -> bool:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the submission is rejected."})
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status != SubmissionStatus.PENDING:
        return False
    locked.status = SubmissionStatus.REJECTED
    locked.reject_reason = reason[:300]
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=actor,
        action="submission_reject",
        target=locked,
        before={"status": SubmissionStatus.PENDING},
        after={"status": locked.status},
        reason=locked.reject_reason,
    )
    _notify(locked, f"✋ Your submission {locked.url} was rejected: {locked.reject_reason}")
    submission.refresh_from_db()
    return True


def notify_user_run(ctx: JobContext) -> dict:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=ctx.payload["user_id"]).first()
    telegram_id = getattr(user, "telegram_id", None) if user else None
    message_id = None
    if telegram_id and "message_id" not in ctx.state:
        message_id = bot_send(chat_id=telegram_id, text=ctx.payload["text"])
        ctx.state["message_id"] = message_id
        ctx.save_state()
    if ctx.payload.get("submission_id"):
        Submission.objects.filter(pk=ctx.payload["submission_id"]).update(
            notified_at=timezone.now()
        )
    return {"dm": bool(telegram_id), "message_id": message_id}
