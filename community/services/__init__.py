"""Community services, one import for views, admin and tests."""

from __future__ import annotations

from .comments import (
    Target,
    comment_create,
    comment_delete,
    comment_edit,
    comment_get,
    count_key,
    target_resolve,
)
from .members import comments_merge_guest, may_post, member_ban, replies_mute
from .moderation import comment_approve, comment_remove
from .reactions import flag_add, like_add, like_remove

__all__ = [
    "Target",
    "comment_approve",
    "comment_create",
    "comment_delete",
    "comment_edit",
    "comment_get",
    "comment_remove",
    "comments_merge_guest",
    "count_key",
    "flag_add",
    "like_add",
    "like_remove",
    "may_post",
    "member_ban",
    "replies_mute",
    "target_resolve",
]
