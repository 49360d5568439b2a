"""Writing comments: a target (title, episode or chapter), create with spoilers, a timeline
second and one level of replies (the parent's author gets a DM), edit within
``COMMENT_EDIT_MINUTES``, delete (the thread keeps its shape). The per-target count is cached
and dropped on every write: the title document never changes for a comment."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User, UserKind
from catalog.models import Chapter, Episode, Title, TitleStatus
from catalog.policy import OPEN, CatalogPolicy
from ingest.kinds import JobKind
from jobs.engine import job_create

from ..errors import CommunityError
from ..models import Comment, CommunityMember, ModerationStatus, TargetType
from ..text import avatar_seed, body_clean, link_count, nickname
from .members import may_post

TARGET = re.compile(r"^(title|episode|chapter):([0-9A-Za-z]{1,20})$", re.ASCII)
MAX_TIMESTAMP = 24 * 3600


@dataclass(frozen=True)
class Target:
    type: str
    key: str  # "title:<pk>" / "episode:<pk>" / "chapter:<pk>"
    title: Title
    episode: Episode | None = None
    chapter: Chapter | None = None


def target_resolve(ref: str, *, policy: CatalogPolicy = OPEN) -> Target:
    """``title:<short_id>``, ``episode:<id>`` or ``chapter:<id>`` → the target; 404 for an
    unknown one, a taken-down title or one the site's ``policy`` hides, 400 for a malformed
    one."""
    found = TARGET.match(ref or "")
    if found is None:
        raise CommunityError(
            "invalid", "target is title:<short_id>, episode:<id> or chapter:<id>.", field="target"
        )
    kind, ident = found.groups()
    target: Target | None = None
    if kind == TargetType.TITLE:
        title = Title.objects.filter(short_id=ident).first()
        target = Target(kind, f"title:{title.pk}", title) if title else None
    elif ident.isdigit() and kind == TargetType.EPISODE:
        episode = Episode.objects.select_related("series").filter(pk=int(ident)).first()
        target = (
            Target(kind, f"episode:{ident}", episode.series, episode=episode) if episode else None
        )
    elif ident.isdigit():
        chapter = Chapter.objects.select_related("manga").filter(pk=int(ident)).first()
        target = (
            Target(kind, f"chapter:{ident}", chapter.manga, chapter=chapter) if chapter else None
        )
    if (
        target is None
        or target.title.status == TitleStatus.BANNED
        or not policy.admits_title(target.title)
    ):
        raise CommunityError("not_found", "No such title, episode or chapter.", status=404)
    return target


def count_key(target_key: str) -> str:
    return f"community:count:{target_key}"


def count_changed(target_key: str) -> None:
    """Drop the target's cached comment count once the write commits."""
    transaction.on_commit(lambda: cache.delete(count_key(target_key)))


def _timestamp(target: Target, timestamp: int | None) -> int | None:
    if timestamp is None:
        return None
    if target.type == TargetType.CHAPTER:  # well-formed, but not for this target: a conflict
        raise CommunityError("no_timeline", "A manga chapter has no timeline.", status=409)
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise CommunityError("invalid", f"A second from 0 to {MAX_TIMESTAMP}.", field="timestamp")
    return timestamp


def _body(body: str) -> str:
    try:
        return body_clean(body, max_length=settings.COMMENT_MAX_LENGTH)
    except ValidationError as exc:
        raise CommunityError("invalid", " ".join(exc.messages), field="body") from None


def _notify_parent(parent: Comment, reply: Comment) -> None:
    author = parent.user
    if author.pk == reply.user_id or author.kind != UserKind.TELEGRAM or not author.telegram_id:
        return
    if CommunityMember.objects.filter(user=author, replies_muted=True).exists():
        return
    link = f"{settings.SITE_URL.rstrip('/')}/title/{parent.title.short_id}#comment-{parent.pk}"
    job_create(
        kind=JobKind.NOTIFY_USER,
        payload={
            "user_id": author.pk,
            "text": f"💬 {reply.nickname} replied to your comment: {reply.body[:200]}\n{link}",
        },
        dedupe_key=f"comment-reply:{reply.pk}",
        priority=3,
    )


@transaction.atomic
def comment_create(
    *,
    user: User,
    target: Target,
    body: str,
    timestamp: int | None = None,
    parent_id: int | None = None,
    is_spoiler: bool = False,
) -> Comment:
    may_post(user)
    body = _body(body)
    timestamp = _timestamp(target, timestamp)
    parent = None
    if parent_id is not None:
        parent = (
            Comment.objects.select_related("user", "title")
            .filter(pk=parent_id, target_key=target.key)
            .exclude(moderation_status=ModerationStatus.DELETED)
            .first()
        )
        if parent is None:
            raise CommunityError("not_found", "No such comment to reply to here.", status=404)
        if parent.parent_id is not None:  # one level: a reply to a reply joins the thread
            parent = Comment.objects.select_related("user", "title").get(pk=parent.parent_id)
    held = link_count(body) > settings.COMMENT_MAX_LINKS
    comment = Comment.objects.create(
        target_type=target.type,
        target_key=target.key,
        title=target.title,
        episode=target.episode,
        chapter=target.chapter,
        user=user,
        nickname=nickname(user_id=user.pk, first_name=user.first_name),
        avatar_seed=avatar_seed(user.pk),
        body=body,
        is_spoiler=is_spoiler,
        timestamp=timestamp,
        parent=parent,
        moderation_status=ModerationStatus.FLAGGED if held else ModerationStatus.ACTIVE,
        held_reason="too many links" if held else "",
    )
    if parent is not None:
        Comment.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
        _notify_parent(parent, comment)
    count_changed(target.key)
    return comment


def _own(user: User, comment: Comment) -> None:
    if comment.user_id != user.pk:
        raise CommunityError("not_yours", "This is someone else's comment.", status=403)
    if comment.moderation_status == ModerationStatus.DELETED:
        raise CommunityError("not_found", "No such comment.", status=404)


@transaction.atomic
def comment_edit(
    *, user: User, comment: Comment, body: str | None = None, is_spoiler: bool | None = None
) -> Comment:
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    _own(user, comment)
    may_post(user)
    window = datetime.timedelta(minutes=settings.COMMENT_EDIT_MINUTES)
    if timezone.now() - comment.created_at > window:
        raise CommunityError(
            "edit_window_closed",
            f"A comment can be edited for {settings.COMMENT_EDIT_MINUTES} minutes.",
            status=403,
        )
    if body is not None:
        comment.body = _body(body)
        if link_count(comment.body) > settings.COMMENT_MAX_LINKS:
            comment.moderation_status, comment.held_reason = (
                ModerationStatus.FLAGGED,
                "too many links",
            )
    if is_spoiler is not None:
        comment.is_spoiler = is_spoiler
    comment.edited_at = timezone.now()
    comment.save()
    count_changed(comment.target_key)
    return comment


@transaction.atomic
def comment_delete(*, user: User, comment: Comment) -> None:
    """The author removes it: the text goes, the place in the thread stays."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    _own(user, comment)
    comment_wipe(comment)


def comment_wipe(comment: Comment) -> None:
    Comment.objects.filter(pk=comment.pk).update(
        moderation_status=ModerationStatus.DELETED, body="", is_spoiler=False
    )
    count_changed(comment.target_key)


def comment_get(comment_id: Any, *, policy: CatalogPolicy = OPEN) -> Comment:
    comment = (
        Comment.objects.exclude(title__status=TitleStatus.BANNED)
        .filter(policy.q("title__"), pk=comment_id)
        .first()
        if str(comment_id).isdigit() and int(comment_id) < 2**63
        else None
    )
    if comment is None:
        raise CommunityError("not_found", "No such comment.", status=404)
    return comment
