"""The admin of the providers: which generator makes each task type (studio admins choose;
audited), and what the providers left — fal's requests (state, queue position, result or
error, the webhook's arrival) and media embeddings (model, dimensions; the vector is not
shown), both written by the system and read-only here."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from core.admin import ReadOnlyAdmin, pretty_json
from core.admin_audit import AuditedAdmin

from .errors import StudioError
from .models import GENERATORS, Embedding, FalRequest, GeneratorChoice
from .policy import is_studio_admin
from .services import choices


@admin.register(FalRequest)
class FalRequestAdmin(ReadOnlyAdmin):
    list_display = ["request_id", "model", "key", "state", "queue_position", "task", "created_at"]
    list_filter = ["state", "model"]
    search_fields = ["request_id", "key"]
    list_select_related = ["task"]
    readonly_fields = ["result_pretty"]
    exclude = ["result"]

    @admin.display(description="result")
    def result_pretty(self, obj: FalRequest) -> str:
        return pretty_json(obj.result)


@admin.register(Embedding)
class EmbeddingAdmin(ReadOnlyAdmin):
    ordering = ("-id",)  # newest first
    list_display = ["media", "model", "dimensions", "created_at"]
    list_filter = ["model", "dimensions"]
    search_fields = ["media__filename", "media__description"]
    list_select_related = ["media"]
    exclude = ["vector", "source"]


class GeneratorChoiceForm(forms.ModelForm):
    class Meta:
        model = GeneratorChoice
        fields = ["task_type", "generator"]

    def clean(self) -> dict:
        data = super().clean()
        kind, path = data.get("task_type"), data.get("generator")
        if kind and path and path not in GENERATORS.get(kind, []):
            self.add_error(
                "generator", f"Not a generator of {kind}: {', '.join(GENERATORS[kind])}."
            )
        return data


@admin.register(GeneratorChoice)
class GeneratorChoiceAdmin(AuditedAdmin):
    """Which code makes each task type's output (instead of STUDIO_GENERATORS): offline, or a
    provider whose key is set. Studio admins only; every change is audited."""

    form = GeneratorChoiceForm
    list_display = ["task_type", "generator", "updated_by", "updated_at"]
    list_select_related = ["updated_by"]

    def _studio_admin(self, request) -> bool:
        return is_studio_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or self._studio_admin(request)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and self._studio_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._studio_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._studio_admin(request)

    def save_model(self, request, obj: GeneratorChoice, form, change: bool) -> None:
        try:
            saved = choices.generator_choose(
                actor=request.user, task_type=obj.task_type, generator=obj.generator
            )
        except StudioError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk

    def delete_model(self, request, obj: GeneratorChoice) -> None:
        choices.generator_unchoose(actor=request.user, choice=obj)

    def delete_queryset(self, request, queryset) -> None:
        for choice in queryset:
            choices.generator_unchoose(actor=request.user, choice=choice)
