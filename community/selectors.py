"""Reading comments: a page of a target's comments (or of one thread's replies) with what the
viewer needs — their likes, and how far they have watched (timeline comments past that point
come back with the body hidden) — in a fixed number of queries; the target's count, cached."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet

from accounts.models import User, WatchProgress

from .models import Comment, CommentLike, ModerationStatus, TargetType
from .services.comments import Target, count_key
from .text import segments

COUNT_TTL = 300


def comments_for(*, target: Target, parent_id: int | None, until: int | None) -> QuerySet[Comment]:
    qs = Comment.objects.filter(target_key=target.key)
    qs = qs.filter(parent_id=parent_id) if parent_id is not None else qs.filter(parent__isnull=True)
    # A deleted comment with no replies is gone; one with replies keeps its place.
    qs = qs.exclude(moderation_status=ModerationStatus.DELETED, reply_count=0)
    if until is not None:
        qs = qs.filter(timestamp__isnull=False, timestamp__lte=until)
    return qs


def comments_count(target: Target) -> int:
    """Comments a visitor can read on the target (replies included), cached per target and
    dropped on every write."""
    key = count_key(target.key)
    count = cache.get(key)
    if count is None:
        count = Comment.objects.filter(
            target_key=target.key, moderation_status=ModerationStatus.ACTIVE
        ).count()
        cache.set(key, count, COUNT_TTL)
    return count


def reached_second(*, user: User | None, target: Target) -> int:
    """How far the viewer has watched this title or episode (0: not started, or a guest
    with no progress)."""
    if user is None or not user.is_authenticated or target.type == TargetType.CHAPTER:
        return 0
    progress = WatchProgress.objects.filter(user=user, title=target.title)
    if target.episode is not None:
        progress = progress.filter(episode=target.episode)
    position = progress.values_list("position", flat=True).first()
    return int(position or 0)


def liked_ids(*, user: User | None, comments: list[Comment]) -> set[int]:
    if user is None or not user.is_authenticated or not comments:
        return set()
    return set(
        CommentLike.objects.filter(
            Q(user=user), Q(comment_id__in=[c.pk for c in comments])
        ).values_list("comment_id", flat=True)
    )


def comment_item(comment: Comment, *, liked: set[int], reached: int | None) -> dict[str, Any]:
    """A comment as the API gives it. A deleted or held one keeps its place without its text;
    a timeline comment past ``reached`` (None: no check) hides its text until the viewer gets
    there."""
    hidden = ""
    if comment.moderation_status != ModerationStatus.ACTIVE:
        hidden = comment.moderation_status
    elif reached is not None and comment.timestamp is not None and comment.timestamp > reached:
        hidden = "not_reached"
    body = "" if hidden else comment.body
    return {
        "id": comment.pk,
        "nickname": comment.nickname,
        "avatar_seed": comment.avatar_seed,
        "body": body,
        "segments": segments(body),
        "is_spoiler": comment.is_spoiler,
        "timestamp": comment.timestamp,
        "likes": comment.likes,
        "liked_by_me": comment.pk in liked,
        "reply_count": comment.reply_count,
        "parent": comment.parent_id,
        "created_at": comment.created_at.isoformat().replace("+00:00", "Z"),
        "edited": comment.edited_at is not None,
        "moderation_status": comment.moderation_status,
        "hidden": hidden or None,
    }
