"""The prompt registry in the admin: a template's form saves a new version (through the
service), the change page shows its versions side by side (a diff of each with the one before)
and where each label points; list actions move ``production`` or ``staging`` to the latest
version or roll ``production`` back one; executions are read-only, with their cost and tokens
summed per project above the list."""

from __future__ import annotations

import difflib
import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet, Sum
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from core.admin import ReadOnlyAdmin, pretty_json
from core.admin_audit import AuditedAdmin

from .errors import Invalid
from .models import PromptExecution, PromptTemplate
from .services import prompts


class PromptTemplateForm(forms.ModelForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}))
    variables = forms.JSONField(required=False, initial=list)
    output_schema = forms.JSONField(required=False)
    model = forms.CharField(max_length=100)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    class Meta:
        model = PromptTemplate
        fields = ["name", "app", "feature", "stage", "tags"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        latest = self.instance.versions.order_by("-number").first() if self.instance.pk else None
        if latest is not None:
            for key in prompts.VERSIONED:
                self.fields[key].initial = getattr(latest, key)

    def clean(self) -> dict:
        data = super().clean()
        try:
            prompts._version_clean({k: data.get(k) for k in prompts.VERSIONED})
        except Invalid as exc:
            for field, problems in exc.fields.items():
                self.add_error(field if field in self.fields else None, "; ".join(problems))
        return data


@admin.register(PromptTemplate)
class PromptTemplateAdmin(AuditedAdmin):
    form = PromptTemplateForm
    list_display = ["name", "app", "feature", "stage", "label_list", "version_count", "updated_at"]
    list_filter = ["app", "stage"]
    search_fields = ["name", "app", "feature"]
    readonly_fields = ["versions_side_by_side"]
    actions = ["deploy_latest_to_production", "deploy_latest_to_staging", "roll_back_production"]

    def get_queryset(self, request) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(n_versions=Count("versions", distinct=True))
            .prefetch_related("labels__version")
        )

    @admin.display(description="Labels")
    def label_list(self, obj: PromptTemplate) -> str:
        return ", ".join(f"{lb.name} → v{lb.version.number}" for lb in obj.labels.all())

    @admin.display(description="Versions", ordering="n_versions")
    def version_count(self, obj: PromptTemplate) -> int:
        return obj.n_versions

    @admin.display(description="Versions side by side")
    def versions_side_by_side(self, obj: PromptTemplate) -> str:
        versions = list(obj.versions.order_by("number"))
        if not versions:
            return "-"
        labels = {lb.version_id: [] for lb in obj.labels.all()}
        for lb in obj.labels.all():
            labels[lb.version_id].append(lb.name)
        blocks = []
        for before, after in zip([None, *versions], versions, strict=False):
            old = _flat(before).splitlines() if before else []
            diff = difflib.HtmlDiff(wrapcolumn=70).make_table(
                old,
                _flat(after).splitlines(),
                f"v{before.number}" if before else "(none)",
                f"v{after.number}",
                context=bool(before),
                numlines=2,
            )
            tag = ", ".join(labels.get(after.pk, []))
            blocks.append((after.number, tag, mark_safe(diff)))  # HtmlDiff escapes the text
        return format_html_join(
            "", '<h3 style="margin-top:1em">v{} <small>{}</small></h3>{}', reversed(blocks)
        )

    def save_model(self, request, obj: PromptTemplate, form, change: bool) -> None:
        data = {
            k: form.cleaned_data.get(k)
            for k in [*prompts.VERSIONED, "app", "feature", "stage", "tags"]
        }
        if change:
            prompts.prompt_template_save(actor=request.user, template=obj, data=data)
        else:
            made = prompts.prompt_template_create(
                actor=request.user, data={**data, "name": form.cleaned_data["name"]}
            )
            obj.pk = made.pk

    def _move(self, request, queryset: QuerySet, label: str, pick) -> None:
        moved = 0
        for template in queryset:
            number = pick(template)
            if number is None:
                messages.warning(request, f"{template.name}: no version to move {label} to.")
                continue
            prompts.prompt_label_move(
                actor=request.user, template=template, label=label, number=number
            )
            moved += 1
        self.message_user(request, f"Moved {label} on {moved} template(s).")

    @admin.action(description="Deploy the latest version to production", permissions=["change"])
    def deploy_latest_to_production(self, request, queryset: QuerySet) -> None:
        self._move(request, queryset, "production", _latest)

    @admin.action(description="Deploy the latest version to staging", permissions=["change"])
    def deploy_latest_to_staging(self, request, queryset: QuerySet) -> None:
        self._move(request, queryset, "staging", _latest)

    @admin.action(description="Roll production back one version", permissions=["change"])
    def roll_back_production(self, request, queryset: QuerySet) -> None:
        self._move(request, queryset, "production", _previous)


def _flat(version) -> str:
    return "\n".join(
        [
            f"model: {version.model}",
            "",
            version.text,
            "",
            "variables:",
            json.dumps(version.variables, indent=2),
            "",
            "output schema:",
            json.dumps(version.output_schema, indent=2),
            "",
            f"notes: {version.notes}",
        ]
    )


def _latest(template: PromptTemplate) -> int | None:
    return template.versions.order_by("-number").values_list("number", flat=True).first()


def _previous(template: PromptTemplate) -> int | None:
    current = template.labels.filter(name="production").select_related("version").first()
    if current is None:
        return None
    return (
        template.versions.filter(number__lt=current.version.number)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )


@admin.register(PromptExecution)
class PromptExecutionAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "template",
        "version_number",
        "model",
        "status",
        "tokens_in",
        "tokens_out",
        "cost",
        "latency_ms",
        "project",
        "created_at",
    ]
    list_filter = ["status", "model", "app"]
    search_fields = ["=pk", "template__name", "project__title", "error_message"]
    list_select_related = ["template", "version", "project"]
    readonly_fields = ["inputs_json", "output_json"]
    change_list_template = "admin/studio/promptexecution/change_list.html"

    @admin.display(description="Version")
    def version_number(self, obj: PromptExecution) -> str:
        return f"v{obj.version.number}" if obj.version else "-"

    @admin.display(description="Inputs")
    def inputs_json(self, obj: PromptExecution) -> str:
        return pretty_json(obj.inputs)

    @admin.display(description="Output")
    def output_json(self, obj: PromptExecution) -> str:
        return pretty_json(obj.output_raw)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (
            getattr(response, "context_data", {}).get("cl")
            if hasattr(response, "context_data")
            else None
        )
        if cl is not None:
            response.context_data["totals"] = list(
                cl.queryset.order_by()
                .values("project_id", "project__title")
                .annotate(
                    runs=Count("id"),
                    cost=Sum("cost"),
                    tokens_in=Sum("tokens_in"),
                    tokens_out=Sum("tokens_out"),
                )
                .order_by("-cost")[:20]
            )
        return response
