"""Comments and what hangs on them. A comment targets a title, an episode or a chapter
(``target_key`` is ``title:<id>``, ``episode:<id>`` or ``chapter:<id>``; ``title`` is always
set, for takedowns and the admin); a reply has a ``parent`` (one level)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class TargetType(models.TextChoices):
    TITLE = "title", "Title"
    EPISODE = "episode", "Episode"
    CHAPTER = "chapter", "Chapter"


class ModerationStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FLAGGED = "flagged", "Held for review"  # flagged by visitors, or too many links
    DELETED = "deleted", "Deleted"


def held_first() -> models.Case:
    """0 for a comment held for review, 1 for the rest: the moderation list's first key (and
    its index's, so the list reads the index instead of sorting every comment)."""
    return models.Case(
        models.When(moderation_status=ModerationStatus.FLAGGED, then=models.Value(0)),
        default=models.Value(1),
        output_field=models.IntegerField(),
    )


class Comment(models.Model):
    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_key = models.CharField(max_length=40)
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey(
        "catalog.Episode", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    chapter = models.ForeignKey(
        "catalog.Chapter", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    nickname = models.CharField(max_length=40)
    avatar_seed = models.CharField(max_length=16)
    body = models.TextField(max_length=2000, blank=True, default="")
    is_spoiler = models.BooleanField(default=False)
    timestamp = models.PositiveIntegerField(null=True, blank=True, help_text="Video second")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    likes = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0)
    moderation_status = models.CharField(
        max_length=8, choices=ModerationStatus.choices, default=ModerationStatus.ACTIVE
    )
    held_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Pages of top-level comments (partial: "parent IS NULL" is not an equality, so a
        # plain index on (target_key, parent, …) could not give the order) and of one thread.
        indexes = [
            models.Index(
                fields=["target_key", "-created_at", "-id"],
                condition=models.Q(parent__isnull=True),
                name="comment_new_idx",
            ),
            models.Index(
                fields=["target_key", "-likes", "-id"],
                condition=models.Q(parent__isnull=True),
                name="comment_top_idx",
            ),
            models.Index(fields=["parent", "-created_at", "-id"], name="comment_thread_idx"),
            models.Index(fields=["target_key", "timestamp"], name="comment_timeline_idx"),
            models.Index(
                fields=["moderation_status", "-flag_count", "-created_at"],
                name="comment_queue_idx",
            ),
            models.Index(
                held_first(),
                models.F("created_at").desc(),
                models.F("id").desc(),
                name="comment_held_first_idx",
            ),
        ]
        permissions = [("moderate_comment", "Can moderate comments")]

    def __str__(self) -> str:
        return f"{self.nickname}: {self.body[:40]}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="commentlike_once")]

    def __str__(self) -> str:
        return f"like {self.user_id} → {self.comment_id}"


class CommentFlag(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="commentflag_once")]

    def __str__(self) -> str:
        return self.reason[:40]


class CommunityMember(models.Model):
    """A user's community settings: reply DMs muted, and a comment ban until a time."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community"
    )
    replies_muted = models.BooleanField(default=False)
    banned_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"member {self.user_id}"
