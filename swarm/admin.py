"""Swarm admin: worker accounts (health, load, flood-wait countdown; sessions are write-only) and
channels. Actions call the services; nothing here writes rows itself."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from core.admin_audit import AuditedAdmin
from swarm import workers
from swarm.models import Channel, Worker, WorkerStatus

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
class WorkerAdmin(AuditedAdmin):
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

    @admin.action(description="Reset error count", permissions=["change"])
    def reset_errors(self, request, queryset) -> None:
        n = sum(workers.worker_reset_errors(worker=w, actor=request.user) for w in queryset)
        self.message_user(request, f"Reset errors of {n} account(s).")

    @admin.action(description="Pause (never leased)", permissions=["change"])
    def pause(self, request, queryset) -> None:
        n = sum(
            workers.worker_set_enabled(worker=w, enabled=False, actor=request.user)
            for w in queryset
        )
        self.message_user(request, f"Paused {n} account(s).")

    @admin.action(description="Resume", permissions=["change"])
    def resume(self, request, queryset) -> None:
        n = sum(
            workers.worker_set_enabled(worker=w, enabled=True, actor=request.user) for w in queryset
        )
        self.message_user(request, f"Resumed {n} account(s).")

    @admin.action(description="Mark dead", permissions=["change"])
    def mark_dead(self, request, queryset) -> None:
        n = sum(workers.worker_mark_dead(worker=w, actor=request.user) for w in queryset)
        self.message_user(request, f"Marked {n} account(s) dead.", messages.WARNING)

    @admin.action(
        description="Revive (active, errors and flood wait cleared)", permissions=["change"]
    )
    def revive(self, request, queryset) -> None:
        n = sum(workers.worker_revive(worker=w, actor=request.user) for w in queryset)
        self.message_user(request, f"Revived {n} account(s).")


# --- channels -------------------------------------------------------------------------------------


@admin.register(Channel)
class ChannelAdmin(AuditedAdmin):
    list_display = ["name", "kind", "chat_id", "username", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "username"]
