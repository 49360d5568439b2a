"""Staff approve or reject new live channels, as keyword-only services (audited, idempotent).

A channel opens ``pending`` (an admin alert says so) unless ``LIVE_CREATORS_AUTO_APPROVE`` is
on; only an ``active`` one gets a stream key and goes live. Rejecting kills the channel's key
and ends a broadcast it has on the air; the creator reads the reason on their dashboard.
Either answer is sent to a creator who signed in with Telegram (a NOTIFY_USER job).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import UserKind
from core.audit import audit_record
from core.text import clean_text
from ingest.kinds import JobKind
from jobs.engine import job_create

from . import services
from .models import Creator, CreatorStatus, StreamStatus

REASON_MAX = 500


def _tell(creator: Creator, text: str) -> None:
    user = creator.user
    if user.kind == UserKind.TELEGRAM and user.telegram_id:
        job_create(
            kind=JobKind.NOTIFY_USER,
            payload={"user_id": user.pk, "text": text},
            dedupe_key=f"live-review:{creator.pk}:{creator.status}:{creator.reviewed_at.timestamp():.0f}",
            priority=4,
        )


def _review(creator: Creator, status: str, actor: Any, reason: str) -> bool:
    before = creator.status
    now = timezone.now()
    changed = (
        Creator.objects.filter(pk=creator.pk).exclude(status=status)
        .update(status=status, rejection_reason=reason, reviewed_at=now,
                reviewed_by=actor if getattr(actor, "pk", None) else None)
    )  # fmt: skip
    if not changed:
        return False
    creator.status, creator.rejection_reason, creator.reviewed_at = status, reason, now
    audit_record(actor=actor, action=f"creator_{status}", target=creator,
                 before={"status": before}, after={"status": status}, reason=reason)  # fmt: skip
    return True


@transaction.atomic
def creator_approve(*, creator: Creator, actor: Any) -> bool:
    """Let the channel go live (it makes its key on the dashboard). False when it already was."""
    if not _review(creator, CreatorStatus.ACTIVE, actor, ""):
        return False
    link = f"{settings.SITE_URL.rstrip('/')}/live/studio/"
    _tell(creator, f"✅ Your channel {creator.channel_name} is approved: go live from {link}")
    return True


def creator_reject(*, creator: Creator, actor: Any, reason: str) -> bool:
    """Refuse the channel with a reason it is shown; its key stops working and a broadcast on
    the air ends. False when it already was rejected."""
    reason = clean_text(reason)
    if not reason or len(reason) > REASON_MAX:
        raise ValidationError({"reason": [f"Say why, in at most {REASON_MAX} characters."]})
    with transaction.atomic():
        if not _review(creator, CreatorStatus.REJECTED, actor, reason):
            return False
        Creator.objects.filter(pk=creator.pk).update(stream_key_hash=None)
        _tell(creator, f"Your channel {creator.channel_name} was not approved: {reason}")
    for stream in creator.streams.filter(status=StreamStatus.LIVE):
        services.stream_end(stream=stream, actor=actor, reason="channel rejected")
    return True
