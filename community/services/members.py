"""A user's standing in the community: a comment ban for a period, muted reply DMs, and the
move of a guest's comments, likes and flags to the account they log in to."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record

from ..errors import CommunityError
from ..models import Comment, CommentFlag, CommentLike, CommunityMember


def member_of(user: User) -> CommunityMember | None:
    return CommunityMember.objects.filter(user=user).first()


def may_post(user: User) -> None:
    """CommunityError 403 for a banned account or a comment ban still running."""
    if user.is_banned:
        raise CommunityError("banned", "This account is banned.", status=403)
    member = member_of(user)
    if member and member.banned_until and member.banned_until > timezone.now():
        until = member.banned_until.strftime("%Y-%m-%d %H:%M UTC")
        raise CommunityError("comment_banned", f"You cannot comment until {until}.", status=403)


def replies_mute(*, user: User, muted: bool) -> CommunityMember:
    member, _ = CommunityMember.objects.update_or_create(
        user=user, defaults={"replies_muted": muted}
    )
    return member


@transaction.atomic
def member_ban(*, user: User, days: int, actor: Any, reason: str = "") -> CommunityMember:
    """No comments, replies or likes from ``user`` for ``days`` (0 lifts the ban). Audited."""
    member, _ = CommunityMember.objects.select_for_update().get_or_create(user=user)
    before = member.banned_until
    member.banned_until = timezone.now() + datetime.timedelta(days=days) if days > 0 else None
    member.save(update_fields=["banned_until"])
    audit_record(
        actor=actor,
        action="comment_ban" if days > 0 else "comment_unban",
        target=user,
        before={"banned_until": before.isoformat() if before else None},
        after={"banned_until": member.banned_until.isoformat() if member.banned_until else None},
        reason=reason,
    )
    return member


def comments_merge_guest(guest: User, into: User) -> None:
    """Registered with ``accounts.services.guest_merger``: the guest's comments become the
    user's; a like or flag the user already has on the same comment is not doubled."""
    Comment.objects.filter(user=guest).update(user=into)
    for model, counter in ((CommentLike, "likes"), (CommentFlag, "flag_count")):
        mine = set(model.objects.filter(user=into).values_list("comment_id", flat=True))
        doubles = model.objects.filter(user=guest, comment_id__in=mine)
        doubled_ids = list(doubles.values_list("comment_id", flat=True))
        doubles.delete()
        if doubled_ids:  # counted twice, once for each of them: once now
            Comment.objects.filter(pk__in=doubled_ids, **{f"{counter}__gt": 0}).update(
                **{counter: F(counter) - 1}
            )
        model.objects.filter(user=guest).update(user=into)
