"""The moderators' queue: comments held for review first (flagged by visitors or too many
links), newest first, each with its context (the title, the comment it answers, the flags);
approve, remove, or ban the author from commenting for a while. Every action needs
``community.moderate_comment`` and is audited through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from unfold.admin import TabularInline

from catalog.models import title_heavy
from core.admin import ReadOnlyAdmin

from . import services
from .models import Comment, CommentFlag, held_first


class FlagInline(TabularInline):
    model = CommentFlag
    fields = ("user", "reason", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "nickname",
        "excerpt",
        "title",
        "target_type",
        "moderation_status",
        "flag_count",
        "likes",
        "created_at",
    )
    list_filter = ("moderation_status", "target_type", "is_spoiler")
    list_select_related = ("title",)
    list_defer = title_heavy("title")
    show_full_result_count = False  # no second count of the whole table on every page
    search_fields = ("body", "nickname", "title__title", "title__short_id")
    readonly_fields = (
        "title",
        "target_type",
        "target_key",
        "context",
        "user",
        "nickname",
        "body",
        "is_spoiler",
        "timestamp",
        "likes",
        "reply_count",
        "flag_count",
        "moderation_status",
        "held_reason",
        "created_at",
        "edited_at",
    )
    exclude = ("episode", "chapter", "parent", "avatar_seed")
    inlines = [FlagInline]
    actions = ["approve", "remove", "ban_author_day", "ban_author_week", "ban_author_month"]

    def get_queryset(self, request):
        # Held for review first, then newest (community.models.held_first: its index's order).
        return (
            super()
            .get_queryset(request)
            .annotate(held=held_first())
            .order_by("held", "-created_at", "-id")
        )

    def has_moderate_permission(self, request) -> bool:
        return request.user.has_perm("community.moderate_comment")

    @admin.display(description="body")
    def excerpt(self, obj: Comment) -> str:
        return obj.body[:80] or "(removed)"

    @admin.display(description="in reply to")
    def context(self, obj: Comment):
        if obj.parent_id is None:
            return "—"
        parent = obj.parent
        return format_html("#{} {}: {}", parent.pk, parent.nickname, parent.body[:200])

    @admin.action(description="Approve the selected comments", permissions=["moderate"])
    def approve(self, request, queryset):
        done = sum(services.comment_approve(comment=c, actor=request.user) for c in queryset)
        self.message_user(request, f"{done} approved.", messages.SUCCESS)

    @admin.action(description="Remove the selected comments", permissions=["moderate"])
    def remove(self, request, queryset):
        done = sum(
            services.comment_remove(comment=c, actor=request.user, reason="moderator")
            for c in queryset
        )
        self.message_user(request, f"{done} removed.", messages.SUCCESS)

    def _ban(self, request, queryset, days: int) -> None:
        users = {c.user for c in queryset.select_related("user")}
        for user in users:
            services.member_ban(user=user, days=days, actor=request.user, reason="comments")
        self.message_user(
            request, f"{len(users)} authors may not comment for {days} days.", messages.SUCCESS
        )

    @admin.action(description="Ban the authors from commenting for a day", permissions=["moderate"])
    def ban_author_day(self, request, queryset):
        self._ban(request, queryset, 1)

    @admin.action(description="… for a week", permissions=["moderate"])
    def ban_author_week(self, request, queryset):
        self._ban(request, queryset, 7)

    @admin.action(description="… for 30 days", permissions=["moderate"])
    def ban_author_month(self, request, queryset):
        self._ban(request, queryset, 30)
