"""The moderation console: the report queue (grouped by target, filtered by issue, status,
age and target type; actions start repair / mark fixed / ignore with a reason), repairs,
link checks, dead mirrors, takedowns and the read-only audit log. Every action calls a
``medic.services`` function with ``actor=request.user``."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import TabularInline

from catalog.models import Title, title_heavy
from core.admin import ReadOnlyAdmin, pretty_json
from core.admin_audit import AuditedAdmin
from core.admin_theme import admin_url
from medic.models import (
    OPEN_STATUSES,
    LinkCheck,
    MirrorHealth,
    Repair,
    RepairAttempt,
    Report,
    ReportStatus,
    Takedown,
)

from . import services


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


def _with_reason(modeladmin, request, queryset, *, action: str, title: str, apply):
    """An action with an intermediate page asking for a reason; ``apply(obj, reason)``."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            done = 0
            for obj in queryset:
                try:
                    done += bool(apply(obj, form.cleaned_data["reason"]))
                except (ValidationError, PermissionDenied) as exc:
                    modeladmin.message_user(request, f"{obj}: {exc}", messages.ERROR)
            modeladmin.message_user(request, f"{title}: {done} changed.", messages.SUCCESS)
            return None
    else:
        form = ReasonForm()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": list(queryset[:100]),
        "count": queryset.count(),
        "form": form,
        "action": action,
        "opts": modeladmin.model._meta,
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
    }
    return TemplateResponse(request, "admin/core/action_form.html", context)


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    CHOICES = {"1h": 1, "24h": 24, "7d": 24 * 7}

    def lookups(self, request, model_admin):
        return [
            ("1h", "Last hour"),
            ("24h", "Last 24 hours"),
            ("7d", "Last 7 days"),
            ("old", "Older than 7 days"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        now = timezone.now()
        if value in self.CHOICES:
            return queryset.filter(
                created_at__gte=now - datetime.timedelta(hours=self.CHOICES[value])
            )
        if value == "old":
            return queryset.filter(created_at__lt=now - datetime.timedelta(days=7))
        return queryset


@admin.register(Report)
class ReportAdmin(AuditedAdmin):
    list_display = (
        "id",
        "status_badge",
        "issue",
        "title_link",
        "target",
        "same_target",
        "reported_by",
        "auto_fix_attempted",
        "created_at",
    )
    list_display_links = ("id",)
    list_filter = ("status", "issue", AgeFilter, "target_type", "auto_fix_attempted")
    search_fields = ("title__title", "title__short_id", "media_file__file_hash", "note")
    list_select_related = ("title", "media_file", "episode", "chapter", "reported_by")
    list_defer = ("check_result", "media_file__tg_raw", *title_heavy("title"))
    show_full_result_count = False  # no second count of the whole table on every page
    actions = ["start_repair", "mark_fixed", "ignore"]
    date_hierarchy = "created_at"
    readonly_fields = (
        "title",
        "target_type",
        "media_file",
        "episode",
        "chapter",
        "reported_by",
        "issue",
        "note",
        "status",
        "auto_fix_attempted",
        "check_display",
        "checked_at",
        "resolution_notes",
        "notified_at",
        "created_at",
        "updated_at",
        "resolved_at",
    )
    exclude = ("check_result",)
    change_list_template = "admin/medic/report/change_list.html"

    def get_queryset(self, request):
        open_same = (
            Report.objects.filter(target_key=OuterRef("target_key"), status__in=OPEN_STATUSES)
            .order_by()
            .values("target_key")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            super().get_queryset(request).annotate(open_on_target=Coalesce(Subquery(open_same), 0))
        )

    def has_add_permission(self, request):
        return False  # reports come from users

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Report) -> str:
        colors = {"pending": "#ba2121", "repairing": "#c48a00", "fixed": "#2e7d32"}
        return format_html(
            '<b style="color:{}">{}</b>', colors.get(obj.status, "#666"), obj.get_status_display()
        )

    @admin.display(description="title", ordering="title__title")
    def title_link(self, obj: Report) -> str:
        url = admin_url("admin:catalog_title_change", obj.title_id)
        return format_html(
            '<a href="{}">{}</a> <small>{}</small>', url, obj.title.title, obj.title.short_id
        )

    @admin.display(description="target")
    def target(self, obj: Report) -> str:
        if obj.media_file_id:
            return f"file {obj.media_file.quality} {obj.media_file.file_hash[:10]}"
        if obj.episode_id:
            return f"S{obj.episode.season:02d}E{obj.episode.number:02d}"
        if obj.chapter_id:
            return f"chapter {obj.chapter.number.normalize():f}"
        return "whole title"

    @admin.display(description="open reports on this target", ordering="open_on_target")
    def same_target(self, obj: Report) -> str:
        url = admin_url("admin:medic_report_changelist")
        return format_html(
            '<a href="{}?target_key={}&status__in=pending,repairing">{}</a>',
            url,
            obj.target_key,
            obj.open_on_target,
        )

    @admin.display(description="automatic check")
    def check_display(self, obj: Report) -> str:
        return pretty_json(obj.check_result) if obj.check_result else "—"

    @admin.action(description="Start repair of the selected reports", permissions=["change"])
    def start_repair(self, request, queryset):
        n = 0
        for report in queryset.select_related("title", "media_file", "chapter"):
            try:
                n += services.report_start_repair(report=report, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"#{report.pk}: {exc.messages[0]}", messages.WARNING)
        self.message_user(request, f"{n} report(s) now repairing.", messages.SUCCESS)

    @admin.action(description="Mark the selected reports fixed", permissions=["change"])
    def mark_fixed(self, request, queryset):
        n = 0
        for report in queryset:
            try:
                n += services.report_mark_fixed(report=report, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"#{report.pk}: {exc.messages[0]}", messages.WARNING)
        self.message_user(request, f"{n} report(s) marked fixed.", messages.SUCCESS)

    @admin.action(
        description="Ignore the selected reports (with a reason)…", permissions=["change"]
    )
    def ignore(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset,
            action="ignore",
            title="Ignore reports",
            apply=lambda r, reason: services.report_ignore(
                report=r, actor=request.user, reason=reason
            ),
        )

    def get_urls(self):
        return [
            path(
                "by-target/",
                self.admin_site.admin_view(self.by_target_view),
                name="medic_report_by_target",
            ),
            *super().get_urls(),
        ]

    def by_target_view(self, request):
        """Open reports grouped by what they are about, most reported first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        groups = list(
            Report.objects.filter(status__in=OPEN_STATUSES)
            .values(
                "target_key",
                "target_type",
                "title__title",
                "title__short_id",
                "media_file__quality",
                "media_file__file_hash",
                "episode__season",
                "episode__number",
                "chapter__number",
            )
            .annotate(
                reports=Count("id"),
                pending=Count("id", filter=Q(status=ReportStatus.PENDING)),
                first=Subquery(
                    Report.objects.filter(target_key=OuterRef("target_key"))
                    .order_by("created_at")
                    .values("created_at")[:1]
                ),
            )
            .order_by("-reports", "first")[:200]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Open reports by target",
            "groups": groups,
            "opts": self.model._meta,
            "changelist": reverse("admin:medic_report_changelist"),
        }
        return TemplateResponse(request, "admin/medic/report/by_target.html", context)


class RepairAttemptInline(TabularInline):
    model = RepairAttempt
    extra = 0
    can_delete = False
    fields = ("at", "strategy", "outcome", "detail")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Repair)
class RepairAdmin(AuditedAdmin):
    list_display = (
        "id",
        "title",
        "media_file",
        "chapter",
        "status",
        "rounds",
        "reason",
        "updated_at",
    )
    list_filter = ("status", "needs_new_bytes", "needs_subtitles")
    list_select_related = ("title", "media_file", "chapter")
    list_defer = ("media_file__tg_raw", *title_heavy("title"))
    search_fields = ("title__title", "title__short_id", "media_file__file_hash")
    inlines = [RepairAttemptInline]
    readonly_fields = (
        "title",
        "media_file",
        "chapter",
        "status",
        "reason",
        "needs_new_bytes",
        "needs_subtitles",
        "rounds",
        "job_id",
        "job_strategy",
        "sources_tried",
        "created_at",
        "updated_at",
        "closed_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LinkCheck)
class LinkCheckAdmin(ReadOnlyAdmin):
    list_display = (
        "checked_at",
        "kind",
        "link_id",
        "url",
        "ok",
        "status_code",
        "error",
        "elapsed_ms",
    )
    list_filter = ("kind", "ok", ("checked_at", admin.DateFieldListFilter))
    search_fields = ("url",)
    date_hierarchy = "checked_at"


@admin.register(MirrorHealth)
class MirrorHealthAdmin(ReadOnlyAdmin):
    list_display = ("id", "host", "url", "status", "last_checked_at", "media_file")
    list_filter = ("status", "host")
    list_select_related = ("media_file",)
    search_fields = ("url", "host", "media_file__file_hash")
    ordering = ("last_checked_at",)
    actions = ["check_now"]

    @admin.action(description="Check the selected mirrors now", permissions=["view"])
    def check_now(self, request, queryset):
        counts = services.links_check_mirrors(
            mirror_ids=list(queryset.values_list("id", flat=True)[:200])
        )
        self.message_user(
            request, f"Checked {counts['checked']}: {counts['alive']} alive, {counts['dead']} dead."
        )


@admin.register(Takedown)
class TakedownAdmin(AuditedAdmin):
    list_display = ("title", "reason", "requested_by", "created_at", "executed_at", "restored_at")
    list_filter = (("restored_at", admin.EmptyFieldListFilter),)
    list_select_related = ("title", "requested_by")
    list_defer = title_heavy("title")
    search_fields = ("title__title", "title__short_id", "reason")
    actions = ["run_again", "restore"]
    readonly_fields = (
        "title",
        "reason",
        "previous_status",
        "requested_by",
        "created_at",
        "executed_at",
        "restored_at",
        "restored_by",
        "files",
        "mirrors",
        "purges",
        "messages",
    )
    exclude = ("file_hashes", "mirrors_to_remove", "purge_results", "messages_results")

    def has_restore_permission(self, request) -> bool:
        return request.user.is_superuser  # title_restore refuses anyone else too

    def has_takedown_permission(self, request) -> bool:
        return request.user.has_perm("medic.takedown_title")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="file hashes")
    def files(self, obj):
        return pretty_json(obj.file_hashes)

    @admin.display(description="mirrors to remove by hand")
    def mirrors(self, obj):
        return pretty_json(services.takedown_mirrors_by_hand(obj))

    @admin.display(description="nginx purge")
    def purges(self, obj):
        return pretty_json(obj.purge_results)

    @admin.display(description="stored bytes / channel messages")
    def messages(self, obj):
        return pretty_json(obj.messages_results)

    @admin.action(
        description="Run again what did not finish (purges, deletions)", permissions=["takedown"]
    )
    def run_again(self, request, queryset):
        sent = sum(services.takedown_run_again(takedown=t) for t in queryset)
        self.message_user(
            request, f"{sent} unfinished takedown(s) sent again; finished ones are left alone."
        )

    @admin.action(description="Restore the selected titles (superusers)…", permissions=["restore"])
    def restore(self, request, queryset):
        return _with_reason(
            self,
            request,
            queryset.select_related("title"),
            action="restore",
            title="Restore taken-down titles",
            apply=lambda t, reason: services.title_restore(
                title=t.title, actor=request.user, reason=reason
            ),
        )


# --- "Take down" on the catalog's title list ------------------------------------------------


@admin.action(
    description="Take the selected titles down (with a reason)…", permissions=["takedown"]
)
def take_down(modeladmin, request, queryset):
    return _with_reason(
        modeladmin,
        request,
        queryset,
        action="take_down",
        title="Take titles down",
        apply=lambda title, reason: services.title_takedown(
            title=title, actor=request.user, reason=reason
        ),
    )


# The catalog's TitleAdmin is registered before ours (INSTALLED_APPS order); the action joins
# its list rather than a second Title admin.
_title_admin = admin.site._registry.get(Title)
if _title_admin is not None:
    _title_admin.actions = [*(_title_admin.actions or []), take_down]
    # The action's permission: superusers and holders of medic.takedown_title.
    _title_admin.has_takedown_permission = lambda request: (
        request.user.is_superuser or (request.user.has_perm("medic.takedown_title"))
    )
