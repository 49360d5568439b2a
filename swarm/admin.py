"""Swarm admin: worker accounts (health, load, flood-wait countdown; sessions are write-only),
jobs (progress, retry, cancel, "Ingest a URL"), submissions (approve, reject with a reason),
channels. Actions call the services; nothing here writes rows itself."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from . import (
    admin_vault,  # noqa: F401  (registers blocked hashes and admin alerts)
    jobs,
    submissions,
    workers,
)
from .models import Channel, Job, JobStatus, Submission, SubmissionStatus, Worker, WorkerStatus
from .pipeline import ingest_url_create

# --- workers ------------------------------------------------------------------------------------


class WorkerForm(forms.ModelForm):
    """The session and the proxy are write-only: the form never renders what is stored."""

    new_session = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Paste a session string to replace the stored one (python manage.py "
        "swarm_login makes one). Stored encrypted; never shown.",
    )
    new_proxy = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="socks5://user:pass@host:port — stored encrypted. Enter a single '-' to clear.",
    )

    class Meta:
        model = Worker
        fields = ["name", "phone", "api_id", "role", "enabled", "max_load", "storage_channel"]


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin):
    form = WorkerForm
    list_display = [
        "name",
        "role",
        "status_badge",
        "enabled",
        "load",
        "flood_wait_left",
        "error_count",
        "total_uploads",
        "last_active_at",
        "session_stored",
    ]
    list_filter = ["role", "status", "enabled"]
    search_fields = ["name", "phone"]
    list_select_related = ["storage_channel"]
    readonly_fields = [
        "status",
        "flood_wait_until",
        "current_task",
        "error_count",
        "last_error",
        "total_uploads",
        "last_active_at",
        "session_stored",
        "proxy_stored",
    ]
    actions = ["reset_errors", "pause", "resume", "mark_dead", "revive"]

    def get_fields(self, request, obj=None):
        return [
            *WorkerForm.Meta.fields,
            "new_session",
            "new_proxy",
            *self.readonly_fields,
        ]

    def changelist_view(self, request, extra_context=None):
        self._loads = None
        return super().changelist_view(request, extra_context)

    def _load_of(self, obj: Worker) -> int | None:
        if getattr(self, "_loads", None) is None:
            # One Redis round trip for every account on the page (accounts are few).
            self._loads = workers.worker_loads(
                worker_ids=Worker.objects.values_list("id", flat=True)
            )
        return self._loads.get(obj.pk)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Worker) -> str:
        colours = {
            WorkerStatus.ACTIVE: "#2e7d32",
            WorkerStatus.BUSY: "#1565c0",
            WorkerStatus.FLOOD_WAIT: "#ef6c00",
            WorkerStatus.DEAD: "#b71c1c",
        }
        label = obj.get_status_display() + ("" if obj.enabled else " (paused)")
        return format_html('<b style="color:{}">{}</b>', colours.get(obj.status, "#555"), label)

    @admin.display(description="Load")
    def load(self, obj: Worker) -> str:
        value = self._load_of(obj)
        return "?" if value is None else f"{value}/{obj.max_load}"

    @admin.display(description="Flood wait left")
    def flood_wait_left(self, obj: Worker) -> str:
        if not obj.flood_wait_until:
            return "—"
        left = int((obj.flood_wait_until - timezone.now()).total_seconds())
        if left <= 0:
            return "over"
        return f"{left // 3600}h {left % 3600 // 60:02d}m {left % 60:02d}s"

    @admin.display(description="Session", boolean=True)
    def session_stored(self, obj: Worker) -> bool:
        return bool(obj.session_encrypted)

    @admin.display(description="Proxy", boolean=True)
    def proxy_stored(self, obj: Worker) -> bool:
        return bool(obj.proxy_encrypted)

    def save_model(self, request, obj: Worker, form, change) -> None:
        super().save_model(request, obj, form, change)
        session = form.cleaned_data.get("new_session") or ""
        proxy = form.cleaned_data.get("new_proxy") or ""
        if session or proxy:
            workers.worker_set_session(
                worker=obj,
                session_string=session or workers.worker_session(worker=obj),
                proxy=None if not proxy else ("" if proxy == "-" else proxy),
            )

    @admin.action(description="Reset error count")
    def reset_errors(self, request, queryset) -> None:
        for worker in queryset:
            workers.worker_reset_errors(worker=worker)
        self.message_user(request, f"Reset errors of {queryset.count()} account(s).")

    @admin.action(description="Pause (never leased)")
    def pause(self, request, queryset) -> None:
        n = sum(workers.worker_set_enabled(worker=w, enabled=False) for w in queryset)
        self.message_user(request, f"Paused {n} account(s).")

    @admin.action(description="Resume")
    def resume(self, request, queryset) -> None:
        n = sum(workers.worker_set_enabled(worker=w, enabled=True) for w in queryset)
        self.message_user(request, f"Resumed {n} account(s).")

    @admin.action(description="Mark dead")
    def mark_dead(self, request, queryset) -> None:
        n = sum(workers.worker_mark_dead(worker=w) for w in queryset)
        self.message_user(request, f"Marked {n} account(s) dead.", messages.WARNING)

    @admin.action(description="Revive (active, errors and flood wait cleared)")
    def revive(self, request, queryset) -> None:
        for worker in queryset:
            workers.worker_revive(worker=worker)
        self.message_user(request, f"Revived {queryset.count()} account(s).")


# --- jobs -----------------------------------------------------------------------------------------


class IngestUrlForm(forms.Form):
    url = forms.URLField(max_length=1000, assume_scheme="https")
    title_hint = forms.CharField(
        max_length=200, required=False, help_text="Optional: the title, if the file name is junk"
    )


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "progress_bar",
        "current_step",
        "tries",
        "worker",
        "priority",
        "created_at",
        "finished_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["=id", "last_error", "dedupe_key"]
    list_select_related = ["worker"]
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
        "worker",
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
    change_list_template = "admin/swarm/job/change_list.html"

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

    @admin.display(description="Attempts")
    def tries(self, obj: Job) -> str:
        return f"{obj.attempts}/{obj.max_attempts}"

    @admin.action(description="Retry (resume from the last recorded step)")
    def retry(self, request, queryset) -> None:
        n = sum(jobs.job_retry(job=job) for job in queryset)
        self.message_user(request, f"Re-queued {n} job(s).")

    @admin.action(description="Cancel")
    def cancel(self, request, queryset) -> None:
        n = sum(jobs.job_cancel(job=job) for job in queryset)
        self.message_user(request, f"Cancelled {n} job(s).")

    def get_urls(self):
        return [
            path(
                "ingest-url/",
                self.admin_site.admin_view(self.ingest_url_view),
                name="swarm_job_ingest_url",
            ),
            *super().get_urls(),
        ]

    def ingest_url_view(self, request: HttpRequest):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = IngestUrlForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            job = ingest_url_create(
                url=form.cleaned_data["url"],
                title_hint=form.cleaned_data["title_hint"],
                created_by=request.user,
            )
            self.message_user(request, f"Job #{job.pk} queued: watch its progress here.")
            return HttpResponseRedirect(reverse("admin:swarm_job_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Ingest a URL",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/swarm/job/ingest_url.html", context)


# --- submissions ------------------------------------------------------------------------------


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "url", "title_hint", "user", "status", "created_at", "reviewed_by"]
    list_filter = ["status"]
    search_fields = ["url", "title_hint", "user__username"]
    list_select_related = ["user", "reviewed_by"]
    readonly_fields = [
        "user",
        "url",
        "title_hint",
        "status",
        "reject_reason",
        "job",
        "reviewed_by",
        "reviewed_at",
        "notified_at",
        "created_at",
    ]
    fields = readonly_fields
    actions = ["approve", "reject"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Approve (start an ingest job)")
    def approve(self, request, queryset) -> None:
        n = sum(
            submissions.submission_approve(submission=s, actor=request.user)
            for s in queryset.filter(status=SubmissionStatus.PENDING)
        )
        self.message_user(request, f"Approved {n} submission(s).")

    @admin.action(description="Reject with a reason…")
    def reject(self, request, queryset):
        pending = queryset.filter(status=SubmissionStatus.PENDING)
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            n = 0
            for submission in pending:
                try:
                    n += submissions.submission_reject(
                        submission=submission,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                    return None
            self.message_user(request, f"Rejected {n} submission(s).")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject submissions",
            "form": form,
            "submissions": pending,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/swarm/submission/reject.html", context)


# --- channels -------------------------------------------------------------------------------------


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "chat_id", "username", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "username"]
