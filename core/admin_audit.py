"""Every change made through the admin is audited, not only the moderation services' actions:
``AuditedAdmin`` is the base of every ModelAdmin of ours. A form saved (an object added or
changed, with the fields that changed, before and after), each row an inline added, changed or
deleted on that page, a list-editable row, and every object deleted (its page or the bulk
action) writes an ``AuditEntry`` with the user and the object, beside Django's own LogEntry.

Values are those the form shows (a related object by its id); fields that hold secrets (keys,
passwords, tokens, sessions) are recorded as changed without their value.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Max
from unfold.admin import ModelAdmin

from core.admin_theme import DeferringChangeList, row_checkbox
from core.audit import audit_record
from core.models import AuditEntry

SECRET = re.compile(r"password|secret|session|token|api_key|(^|_)key$|otp", re.IGNORECASE)
HIDDEN = "(hidden)"
_STASH = "_audit_form_changes"
_SINCE = "_audit_since"
_DELETED = "_audit_deleted"


def _json(value: Any) -> Any:
    """A JSON-safe copy of a form value (dates, decimals, UUIDs by Django's encoder; anything
    else by its text)."""
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except (TypeError, ValueError):
        if isinstance(value, list | tuple | set):
            return [_json(v) for v in value]
        return str(value)


def _shown(form: Any, name: str, value: Any) -> Any:
    if SECRET.search(name):
        return HIDDEN
    field = form.fields.get(name)
    if field is not None:
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            value = field.prepare_value(value)
    if isinstance(value, models.Model):
        value = value.pk
    return _json(value)


def form_changes(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of the fields a bound, valid form changed."""
    before, after = {}, {}
    for name in form.changed_data:
        initial = (
            form.get_initial_for_field(form.fields[name], name) if name in form.fields else None
        )
        before[name] = _shown(form, name, initial)
        after[name] = _shown(form, name, form.cleaned_data.get(name))
    return before, after


def _where(parent: Any) -> str:
    return f"in the admin, on {parent._meta.verbose_name} “{parent}” ({parent.pk})"


def _mark(request: Any) -> None:
    """Before a POST is handled: the last audit row's id, so that a change an audited service
    already recorded in this request is not recorded twice."""
    if request.method == "POST" and not hasattr(request, _SINCE):
        setattr(request, _SINCE, AuditEntry.objects.aggregate(last=Max("id"))["last"] or 0)


def _service_fields(request: Any, obj: models.Model) -> set[str] | None:
    """The fields an audited service already recorded for ``obj`` in this request (the keys
    of its rows' before and after), or None when none did."""
    since = getattr(request, _SINCE, None)
    if since is None:
        return None
    rows = AuditEntry.objects.filter(
        id__gt=since,
        target_type=ContentType.objects.get_for_model(obj),
        target_id=str(obj.pk),
    ).values_list("before", "after")
    if not rows:
        return None
    return {key for pair in rows for side in pair if isinstance(side, dict) for key in side}


def _record(request: Any, action: str, obj: models.Model, **kw: Any) -> None:
    """Once per change: an object a service already audited in this request is not recorded
    again — but for a change, the fields the service's rows do not hold still are (an
    episode's name changed beside its intro, which the pinning service records)."""
    covered = _service_fields(request, obj)
    if covered is not None:
        if action != "admin_change":
            return
        kw["before"] = {k: v for k, v in kw.get("before", {}).items() if k not in covered}
        kw["after"] = {k: v for k, v in kw.get("after", {}).items() if k not in covered}
        if not (kw["before"] or kw["after"]):
            return
    audit_record(actor=request.user, action=action, target=obj, **kw)


class AuditedAdmin(ModelAdmin):
    """The base of every admin page of ours: see the module's docstring."""

    # Heavy columns of related rows the list never shows (``core.admin_theme``).
    list_defer: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        return DeferringChangeList

    @admin.display(description=ModelAdmin.action_checkbox.short_description)
    def action_checkbox(self, obj):
        return row_checkbox(obj.pk)

    def changeform_view(self, request, *args, **kwargs):
        _mark(request)
        return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        _mark(request)  # list-editable rows and the bulk delete
        response = super().changelist_view(request, *args, **kwargs)
        self._deleted_flush(request)
        return response

    def delete_view(self, request, *args, **kwargs):
        _mark(request)
        response = super().delete_view(request, *args, **kwargs)
        self._deleted_flush(request)
        return response

    def construct_change_message(self, request, form, formsets, add=False):
        setattr(request, _STASH, form_changes(form))
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        _, after = getattr(request, _STASH, ({}, {}))
        _record(request, "admin_add", obj, after=after)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        before, after = getattr(request, _STASH, ({}, {}))
        if before or after:
            _record(request, "admin_change", obj, before=before, after=after)
        return entry

    def log_deletions(self, request, queryset):
        """Called before the deletion: the objects are kept, and recorded once it is done
        (unless the service that deleted them audited it)."""
        entries = super().log_deletions(request, queryset)
        kept = getattr(request, _DELETED, [])
        kept += [copy.copy(obj) for obj in queryset]
        setattr(request, _DELETED, kept)
        return entries

    def _deleted_flush(self, request) -> None:
        for obj in getattr(request, _DELETED, []):
            if type(obj)._base_manager.filter(pk=obj.pk).exists():
                continue  # not deleted after all
            _record(
                request,
                "admin_delete",
                obj,
                before={"object": str(obj)},
                reason="deleted in the admin",
            )
        setattr(request, _DELETED, [])

    def save_formset(self, request, form, formset, change):
        """Inline rows: each one added, changed or deleted gets its own audit entry (so the
        log finds it by the row as well as by the page it was edited on)."""
        deleted = [copy.copy(f.instance) for f in formset.deleted_forms if f.instance.pk]
        changed = {
            f.instance.pk: form_changes(f)
            for f in formset.initial_forms
            if f.instance.pk and f not in formset.deleted_forms and f.has_changed()
        }
        super().save_formset(request, form, formset, change)
        where = _where(form.instance)
        for obj in deleted:
            _record(request, "admin_delete", obj, before={"object": str(obj)}, reason=where)
        for obj, _fields in formset.changed_objects:
            before, after = changed.get(obj.pk, ({}, {}))
            _record(request, "admin_change", obj, before=before, after=after, reason=where)
        for obj in formset.new_objects:
            f = next((f for f in formset.extra_forms if f.instance is obj), None)
            after = form_changes(f)[1] if f is not None else {}
            _record(request, "admin_add", obj, after=after, reason=where)
