"""The moderators' decisions on a comment held for review (or any comment): keep it, remove
it. Each takes ``actor``, writes one audit row and is idempotent."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.audit import audit_record

from ..models import Comment, ModerationStatus
from .comments import comment_wipe, count_changed


@transaction.atomic
def comment_approve(*, comment: Comment, actor: Any) -> bool:
    """Back to active (its flags stay on record). False when it already is, or is deleted."""
    updated = Comment.objects.filter(
        pk=comment.pk, moderation_status=ModerationStatus.FLAGGED
    ).update(moderation_status=ModerationStatus.ACTIVE, held_reason="")
    if updated:
        audit_record(
            actor=actor,
            action="comment_approve",
            target=comment,
            before={"moderation_status": ModerationStatus.FLAGGED},
            after={"moderation_status": ModerationStatus.ACTIVE},
        )
        count_changed(comment.target_key)
    return bool(updated)


@transaction.atomic
def comment_remove(*, comment: Comment, actor: Any, reason: str = "") -> bool:
    """Delete it as a moderator (the text goes; the audit row keeps it)."""
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.moderation_status == ModerationStatus.DELETED:
        return False
    audit_record(
        actor=actor,
        action="comment_remove",
        target=locked,
        before={"moderation_status": locked.moderation_status, "body": locked.body},
        after={"moderation_status": ModerationStatus.DELETED},
        reason=reason,
    )
    comment_wipe(locked)
    return True
