"""Likes and flags. One of each per user per comment (unique constraints); the counters on the
comment move by conditional updates only when a row was really added or removed, so they are
exact under concurrency and never counted on read. Enough flags hold a comment for review."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import User

from ..errors import CommunityError
from ..models import Comment, CommentFlag, CommentLike, ModerationStatus
from .comments import count_changed
from .members import may_post


def _live(comment: Comment) -> None:
    if comment.moderation_status == ModerationStatus.DELETED:
        raise CommunityError("not_found", "No such comment.", status=404)


def like_add(*, user: User, comment: Comment) -> bool:
    """True when this like is new (a second one is not an error)."""
    may_post(user)
    _live(comment)
    try:
        with transaction.atomic():
            CommentLike.objects.create(comment=comment, user=user)
            Comment.objects.filter(pk=comment.pk).update(likes=F("likes") + 1)
    except IntegrityError:
        return False
    return True


def like_remove(*, user: User, comment: Comment) -> bool:
    with transaction.atomic():
        removed, _ = CommentLike.objects.filter(comment=comment, user=user).delete()
        if removed:
            Comment.objects.filter(pk=comment.pk, likes__gt=0).update(likes=F("likes") - 1)
    return bool(removed)


def flag_add(*, user: User, comment: Comment, reason: str) -> bool:
    """Report a comment to the moderators; ``COMMENT_FLAGS_TO_HIDE`` flags hold it for review.
    True when this flag is new."""
    _live(comment)
    if comment.user_id == user.pk:
        raise CommunityError("own_comment", "You cannot flag your own comment.", status=403)
    if user.is_banned:
        raise CommunityError("banned", "This account is banned.", status=403)
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise CommunityError("invalid", "Say what is wrong with it.", field="reason")
    try:
        with transaction.atomic():
            CommentFlag.objects.create(comment=comment, user=user, reason=reason)
            Comment.objects.filter(pk=comment.pk).update(flag_count=F("flag_count") + 1)
            held = Comment.objects.filter(
                pk=comment.pk,
                moderation_status=ModerationStatus.ACTIVE,
                flag_count__gte=settings.COMMENT_FLAGS_TO_HIDE,
            ).update(moderation_status=ModerationStatus.FLAGGED, held_reason="flagged by visitors")
            if held:
                count_changed(comment.target_key)
    except IntegrityError:
        return False
    return True
