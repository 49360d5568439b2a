"""Live channels in the admin: creators (approve or reject new channels — pending ones first —,
block, soft-delete, restore, reset key), streams (live
now first, reported ones flagged, end stream, take down), categories, the chat moderation log
(delete lines; bans and time-outs, lift them), analytics (read only) and the page settings.
Every action is audited by its service; the stream key is never shown (only its digest is
stored, and not listed)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.forms import ActionForm

from core.admin_audit import AuditedAdmin
from core.charts import bar_chart

from . import approval, chat, reports, services
from .images import image_store
from .models import (
    Category,
    ChatBan,
    ChatMessage,
    Creator,
    CreatorStatus,
    PageSettings,
    Stream,
    StreamAnalytics,
    StreamReport,
    StreamReportStatus,
    StreamStatus,
)  # fmt: skip
from .selectors import creator_daily


class ReasonActionForm(ActionForm):
    reason = forms.CharField(
        required=False, max_length=approval.REASON_MAX, label="Reason (for a rejection)"
    )


@admin.register(Creator)
class CreatorAdmin(AuditedAdmin):
    list_display = (
        "channel_name", "user", "status", "is_blocked", "is_deleted", "total_followers",
        "total_streams", "total_stream_views", "stream_key_updated_at",
    )  # fmt: skip
    list_filter = ("status", "is_blocked", "is_deleted")
    search_fields = ("channel_name", "user__username")
    list_select_related = ("user",)
    exclude = ("stream_key_hash",)
    readonly_fields = (
        "dashboard", "user", "status", "rejection_reason", "reviewed_by", "reviewed_at",
        "is_blocked", "is_deleted", "stream_key_updated_at", "total_followers", "total_streams",
        "total_stream_views", "total_likes", "created_at", "updated_at",
    )  # fmt: skip
    action_form = ReasonActionForm
    actions = ["approve", "reject", "block", "unblock", "soft_delete", "restore", "reset_key"]

    @admin.display(description="dashboard")
    def dashboard(self, obj: Creator) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("admin:live_creator_dashboard", args=[obj.pk])
        return format_html('<a href="{}">Views, viewers and hours watched, 30 days</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(self.dashboard_view)
        return [
            path("<int:creator_id>/dashboard/", view, name="live_creator_dashboard"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request, creator_id: int):
        creator = get_object_or_404(Creator, pk=creator_id)
        if not self.has_view_permission(request, creator):
            raise PermissionDenied
        series = creator_daily(creator=creator)
        days = [p["day"].isoformat() for p in series]

        def chart(key: str, label: str, color: str):
            points = list(zip(days, (p[key] for p in series), strict=True))
            return bar_chart(chart_id=f"creator-{key}", label=label, points=points, color=color)

        context = {
            **self.admin_site.each_context(request),
            "title": f"{creator.channel_name}: broadcasts, last 30 days",
            "creator": creator,
            "opts": self.model._meta,
            "charts": [
                chart("views", "views", "#417690"),
                chart("peak", "peak viewers", "#e65100"),
                chart("hours", "hours watched", "#8e24aa"),
            ],
            "broadcasts": sum(p["broadcasts"] for p in series),
        }
        return TemplateResponse(request, "admin/live/creator_dashboard.html", context)

    def get_queryset(self, request):
        waiting_first = Case(
            When(status=CreatorStatus.PENDING, then=Value(0)), default=Value(1),
            output_field=IntegerField(),
        )  # fmt: skip
        return super().get_queryset(request).order_by(waiting_first, "-created_at", "-id")

    @admin.action(description="Approve: the channel may go live", permissions=["change"])
    def approve(self, request, queryset):
        self._each(request, queryset, "approved", lambda c: approval.creator_approve(
            creator=c, actor=request.user))  # fmt: skip

    @admin.action(description="Reject (give the reason above)", permissions=["change"])
    def reject(self, request, queryset):
        reason = request.POST.get("reason", "")
        try:
            self._each(request, queryset, "rejected", lambda c: approval.creator_reject(
                creator=c, actor=request.user, reason=reason))  # fmt: skip
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def _each(self, request, queryset, done_word: str, call) -> None:
        done = sum(bool(call(creator)) for creator in queryset)
        self.message_user(request, f"{done} {done_word}.", messages.SUCCESS)

    @admin.action(description="Block: no going live, no chat", permissions=["change"])
    def block(self, request, queryset):
        self._each(request, queryset, "blocked", lambda c: services.creator_block_set(
            creator=c, blocked=True, actor=request.user))  # fmt: skip

    @admin.action(description="Unblock", permissions=["change"])
    def unblock(self, request, queryset):
        self._each(request, queryset, "unblocked", lambda c: services.creator_block_set(
            creator=c, blocked=False, actor=request.user))  # fmt: skip

    @admin.action(description="Delete the channel (recoverable)", permissions=["change"])
    def soft_delete(self, request, queryset):
        self._each(request, queryset, "deleted", lambda c: services.creator_delete_set(
            creator=c, deleted=True, actor=request.user))  # fmt: skip

    @admin.action(description="Restore a deleted channel", permissions=["change"])
    def restore(self, request, queryset):
        self._each(request, queryset, "restored", lambda c: services.creator_delete_set(
            creator=c, deleted=False, actor=request.user))  # fmt: skip

    @admin.action(description="Kill the stream key (the creator makes a new one)",
                  permissions=["change"])  # fmt: skip
    def reset_key(self, request, queryset):
        self._each(request, queryset, "keys reset", lambda c: services.stream_key_reset(
            creator=c, actor=request.user))  # fmt: skip


@admin.register(Stream)
class StreamAdmin(AuditedAdmin):
    list_display = (
        "title", "creator", "status", "is_reported", "current_viewers", "peak_viewers",
        "total_views", "started_at", "ended_at",
    )  # fmt: skip
    list_filter = ("status", "is_reported", "is_taken_down", "category")
    search_fields = ("title", "creator__channel_name", "public_id")
    list_select_related = ("creator", "category")
    readonly_fields = (
        "public_id", "status", "started_at", "ended_at", "duration_seconds", "current_viewers",
        "peak_viewers", "total_views", "total_likes", "total_comments", "rtmp_client_id",
        "is_taken_down", "recording",
    )  # fmt: skip
    actions = ["end_stream", "take_down"]

    def get_queryset(self, request):
        live_first = Case(
            When(status=StreamStatus.LIVE, then=Value(0)), default=Value(1),
            output_field=IntegerField(),
        )  # fmt: skip
        return super().get_queryset(request).order_by(live_first, "-started_at", "-id")

    @admin.action(description="End the broadcast now", permissions=["change"])
    def end_stream(self, request, queryset):
        done = sum(
            services.stream_end(stream=s, actor=request.user, reason="ended by an admin")
            for s in queryset
        )
        self.message_user(request, f"{done} ended.", messages.SUCCESS)

    @admin.action(
        description="Take down: off the air and out of every page", permissions=["change"]
    )
    def take_down(self, request, queryset):
        done = sum(
            services.stream_takedown(stream=s, actor=request.user, reason="taken down by an admin")
            for s in queryset
        )
        self.message_user(request, f"{done} taken down.", messages.SUCCESS)


class CategoryForm(forms.ModelForm):
    upload = forms.ImageField(required=False, help_text="A picture (stored in the vault)")

    class Meta:
        model = Category
        fields = ("name", "is_active", "upload", "image", "cover_photo")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["image"].required = False

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            try:
                upload.seek(0)
                data["image"] = image_store(upload=upload, kind="cover")
            except ValidationError as exc:
                self.add_error("upload", exc.messages[0])
        if not data.get("image"):
            self.add_error("upload", "A category needs a picture.")
        return data


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    ordering = ("name",)
    form = CategoryForm
    list_display = ("name", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)


@admin.register(ChatMessage)
class ChatMessageAdmin(AuditedAdmin):
    """The chat moderation log: every line, deleted ones kept with who deleted them."""

    ordering = ("-id",)  # newest first

    list_display = ("created_at", "stream", "user", "message_type", "message", "is_deleted",
                    "deleted_by")  # fmt: skip
    list_filter = ("message_type", "is_deleted")
    search_fields = ("message", "stream__public_id", "stream__title")
    list_select_related = ("stream", "user", "deleted_by")
    readonly_fields = ("stream", "user", "message", "message_type", "is_deleted", "deleted_by",
                       "created_at")  # fmt: skip
    actions = ["delete_lines"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Delete these lines from the chat", permissions=["delete"])
    def delete_lines(self, request, queryset):
        done = sum(chat.message_delete(message=m, actor=request.user) for m in queryset)
        self.message_user(request, f"{done} deleted.", messages.SUCCESS)


@admin.register(ChatBan)
class ChatBanAdmin(AuditedAdmin):
    ordering = ("-id",)  # newest first
    list_display = ("user", "creator", "until", "reason", "by", "created_at")
    list_select_related = ("user", "creator", "by")
    search_fields = ("creator__channel_name", "reason")
    readonly_fields = ("creator", "user", "until", "reason", "by", "created_at")
    actions = ["lift"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Lift the ban or time-out", permissions=["delete"])
    def lift(self, request, queryset):
        done = sum(
            chat.user_let_in(creator=b.creator, user_id=b.user_id, actor=request.user)
            for b in queryset
        )
        self.message_user(request, f"{done} lifted.", messages.SUCCESS)


@admin.register(StreamReport)
class StreamReportAdmin(AuditedAdmin):
    """Viewers' reports of live streams: open ones first; uphold (take the stream down) or
    dismiss, each audited."""

    list_display = ("created_at", "stream", "stream_status", "reason", "note", "reported_by",
                    "status", "resolved_by")  # fmt: skip
    list_filter = ("status", "reason")
    search_fields = ("stream__title", "stream__public_id", "stream__creator__channel_name",
                     "note")  # fmt: skip
    list_select_related = ("stream", "reported_by", "resolved_by")
    readonly_fields = ("stream", "reported_by", "reason", "note", "status", "resolved_by",
                       "resolved_at", "created_at")  # fmt: skip
    actions = ["uphold", "dismiss"]

    def get_queryset(self, request):
        open_first = Case(
            When(status=StreamReportStatus.OPEN, then=Value(0)), default=Value(1),
            output_field=IntegerField(),
        )  # fmt: skip
        return super().get_queryset(request).order_by(open_first, "-created_at", "-id")

    def has_add_permission(self, request):
        return False

    @admin.display(description="Stream status")
    def stream_status(self, obj):
        return "taken down" if obj.stream.is_taken_down else obj.stream.status

    @admin.action(description="Uphold: take the stream down", permissions=["change"])
    def uphold(self, request, queryset):
        done = sum(reports.stream_report_uphold(report=r, actor=request.user) for r in queryset)
        self.message_user(request, f"{done} upheld.", messages.SUCCESS)

    @admin.action(description="Dismiss: nothing wrong", permissions=["change"])
    def dismiss(self, request, queryset):
        done = sum(reports.stream_report_dismiss(report=r, actor=request.user) for r in queryset)
        self.message_user(request, f"{done} dismissed.", messages.SUCCESS)


@admin.register(StreamAnalytics)
class StreamAnalyticsAdmin(AuditedAdmin):
    ordering = ("-view_count",)  # the most watched first
    list_display = ("stream", "creator", "view_count", "unique_viewers", "peak_concurrent_viewers",
                    "watch_duration", "likes", "comments", "created_at")  # fmt: skip
    list_select_related = ("stream", "creator")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PageSettings)
class PageSettingsAdmin(AuditedAdmin):
    ordering = ("id",)  # one row
    list_display = ("__str__", "last_updated")

    def has_add_permission(self, request):
        return not PageSettings.objects.exists()
