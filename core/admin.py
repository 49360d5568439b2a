"""Admin for core's records (the audit log, admin alerts) and the read-only base every app uses
for records the system writes."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from core.admin_audit import AuditedAdmin
from core.models import AdminAlert, AuditEntry


class ReadOnlyAdmin(AuditedAdmin):
    """For records the system writes (checks, audit entries, alerts): listed and opened, never
    added, edited or deleted in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def pretty_json(value) -> str:
    """A JSON value as a scrollable, wrapped block on a read-only admin page."""
    return format_html(
        '<pre style="max-height:40em;overflow:auto;white-space:pre-wrap">{}</pre>',
        json.dumps(value, indent=2, ensure_ascii=False, default=str),
    )


class ActorFilter(admin.SimpleListFilter):
    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        names = (
            AuditEntry.objects.order_by("actor_repr")
            .values_list("actor_repr", flat=True)
            .distinct()[:100]
        )
        return [(n, n) for n in names]

    def queryset(self, request, queryset):
        return queryset.filter(actor_repr=self.value()) if self.value() else queryset


class ActionFilter(ActorFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        names = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(n, n) for n in names[:100]]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_repr", "action", "target_type", "target_repr", "reason")
    list_filter = (ActorFilter, ActionFilter, ("at", admin.DateFieldListFilter), "target_type")
    list_select_related = ("target_type",)
    search_fields = ("target_repr", "=target_id", "reason", "actor_repr")  # indexed (0004)
    show_full_result_count = False  # an append-only log: no second count of every entry
    readonly_fields = (
        "at",
        "actor",
        "actor_repr",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "before_json",
        "after_json",
        "reason",
    )
    exclude = ("before", "after")

    @admin.display(description="before")
    def before_json(self, obj):
        return pretty_json(obj.before)

    @admin.display(description="after")
    def after_json(self, obj):
        return pretty_json(obj.after)


@admin.register(AdminAlert)
class AdminAlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "message", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("message",)
    date_hierarchy = "created_at"
    list_per_page = 50


def _on_our_base(model_admin: admin.ModelAdmin) -> type[AuditedAdmin]:
    """A third-party admin class on top of ours: its options first, then the theme and the
    audit (the order the theme asks of such admins)."""
    cls = type(model_admin)
    return type(cls.__name__, (cls, AuditedAdmin), {"__module__": cls.__module__})


# Admins registered before this module by Django and third-party apps (groups, the beat
# schedule): the same pages on our base, so they wear the theme (its list actions work) and
# every change made in them is audited like ours.
for _model, _model_admin in list(admin.site._registry.items()):
    if not isinstance(_model_admin, AuditedAdmin):
        admin.site.unregister(_model)
        admin.site.register(_model, _on_our_base(_model_admin))
