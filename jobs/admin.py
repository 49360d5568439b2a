"""Job admin: progress, recorded steps, retry and cancel (audited). "Ingest a URL" on the list
links to the ingest admin's form."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from core.admin_audit import AuditedAdmin
from jobs import services
from jobs.engine import kind_label, kinds
from jobs.models import Job, JobStatus


class KindFilter(admin.SimpleListFilter):
    """The kinds the apps registered, by their labels (a kind is not a database choice)."""

    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return list(kinds().items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(AuditedAdmin):
    show_full_result_count = False  # no second count of the whole table on every page
    list_display = [
        "id",
        "kind_name",
        "status",
        "progress_bar",
        "current_step",
        "tries",
        "worker_id",
        "priority",
        "created_at",
        "finished_at",
    ]
    list_filter = [KindFilter, "status"]
    search_fields = ["=id", "last_error", "dedupe_key"]
    ordering = ["-created_at"]
    actions = ["retry", "cancel"]
    readonly_fields = [
        "kind",
        "status",
        "priority",
        "progress_bar",
        "current_step",
        "steps_done",
        "attempts",
        "max_attempts",
        "last_error",
        "heartbeat_at",
        "not_before",
        "worker_id",
        "dedupe_key",
        "created_by",
        "payload",
        "state",
        "created_at",
        "updated_at",
        "started_at",
        "finished_at",
    ]
    fields = readonly_fields
    change_list_template = "admin/jobs/job/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="Progress")
    def progress_bar(self, obj: Job) -> str:
        colour = {
            JobStatus.DONE: "#2e7d32",
            JobStatus.FAILED: "#b71c1c",
            JobStatus.CANCELLED: "#777",
        }.get(obj.status, "#1565c0")
        return format_html(
            '<div style="width:120px;background:#eee;border-radius:3px" title="{}%">'
            '<div style="width:{}%;background:{};color:#fff;font-size:10px;'
            'padding:1px 3px;border-radius:3px;white-space:nowrap">{}%</div></div>',
            obj.progress,
            obj.progress,
            colour,
            obj.progress,
        )

    @admin.display(description="Kind", ordering="kind")
    def kind_name(self, obj: Job) -> str:
        return kind_label(obj.kind)

    @admin.display(description="Attempts")
    def tries(self, obj: Job) -> str:
        return f"{obj.attempts}/{obj.max_attempts}"

    @admin.action(description="Retry (resume from the last recorded step)")
    def retry(self, request, queryset) -> None:
        n = sum(services.job_retry(job=job, actor=request.user) for job in queryset)
        self.message_user(request, f"Re-queued {n} job(s).")

    @admin.action(description="Cancel")
    def cancel(self, request, queryset) -> None:
        n = sum(services.job_cancel(job=job, actor=request.user) for job in queryset)
        self.message_user(request, f"Cancelled {n} job(s).")
