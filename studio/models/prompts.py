"""The prompt registry: templates, their immutable versions, labels pointing at versions, and
every execution."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PromptTemplate(models.Model):
    """A named prompt. Its text, variables, output schema and model are in its versions."""

    name = models.CharField(max_length=120, unique=True)
    app = models.CharField(max_length=60, blank=True, default="")
    feature = models.CharField(max_length=60, blank=True, default="")
    stage = models.CharField(max_length=60, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["app"], name="studio_prompt_app_idx"),
            models.Index(fields=["stage"], name="studio_prompt_stage_idx"),
            models.Index(fields=["app", "stage"], name="studio_prompt_app_stage"),
        ]

    def __str__(self) -> str:
        return self.name


class PromptVersion(models.Model):
    """One saved state of a template; never changed after it is written."""

    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    # [{name, type: string|number|boolean|json|text|url, required, description, default}]
    variables = models.JSONField(default=list, blank=True)
    output_schema = models.JSONField(null=True, blank=True)
    model = models.CharField(max_length=100)
    notes = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="studio_prompt_version"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"


class PromptLabel(models.Model):
    """``production``, ``staging`` or ``latest`` (moved on every save) → a version."""

    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="labels")
    name = models.SlugField(max_length=30)
    version = models.ForeignKey(PromptVersion, on_delete=models.PROTECT, related_name="labels")
    moved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["template", "name"], name="studio_prompt_label"),
        ]

    def __str__(self) -> str:
        return f"{self.name} → v{self.version.number}"


class ExecutionStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"


class PromptExecution(models.Model):
    """One run of a prompt: what went in, what came out, what it cost. Read-only history."""

    template = models.ForeignKey(
        PromptTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="executions"
    )
    version = models.ForeignKey(
        PromptVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="executions"
    )
    app = models.CharField(max_length=60, blank=True, default="")
    feature = models.CharField(max_length=60, blank=True, default="")
    stage = models.CharField(max_length=60, blank=True, default="")
    project = models.ForeignKey(
        "studio.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="executions"
    )
    tags_snapshot = models.JSONField(default=list, blank=True)
    inputs = models.JSONField(default=dict, blank=True)
    resolved_prompt = models.TextField(blank=True, default="")
    model = models.CharField(max_length=100)
    status = models.CharField(max_length=8, choices=ExecutionStatus.choices)
    output_raw = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True, default="")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status"], name="studio_exec_status_idx"),
            models.Index(fields=["model"], name="studio_exec_model_idx"),
            models.Index(fields=["created_at"], name="studio_exec_created_idx"),
            models.Index(fields=["project", "status"], name="studio_exec_project_status"),
        ]

    def __str__(self) -> str:
        return f"execution {self.pk} ({self.status})"
