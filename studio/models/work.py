"""Conversational sessions and generation tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SessionState(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    ERROR = "error", "Error"


class Session(models.Model):
    """A producer's conversation with the studio assistant about one project."""

    project = models.ForeignKey("studio.Project", on_delete=models.CASCADE, related_name="sessions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="studio_sessions"
    )
    current_step = models.CharField(max_length=40, blank=True, default="")
    # [{role: user|assistant|system, content, timestamp, metadata}]
    history = models.JSONField(default=list, blank=True)
    # contextData
    current_episode = models.ForeignKey(
        "studio.Episode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current_scene = models.ForeignKey(
        "studio.Scene", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    focus_character = models.ForeignKey(
        "studio.Character", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    workflow_state = models.JSONField(default=dict, blank=True)
    user_preferences = models.JSONField(default=dict, blank=True)
    awaiting_user_input = models.BooleanField(default=False)
    # [{choice_id, label, action, metadata}]
    last_choices = models.JSONField(default=list, blank=True)
    state = models.CharField(
        max_length=10, choices=SessionState.choices, default=SessionState.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["state"], name="studio_session_state_idx"),
            models.Index(fields=["user", "state"], name="studio_session_user_state"),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} ({self.state})"


class TaskType(models.TextChoices):
    IMAGE = "image_generation", "Image generation"
    VIDEO = "video_generation", "Video generation"
    AUDIO = "audio_generation", "Audio generation"
    SCRIPT = "script_generation", "Script generation"
    EMBEDDING = "embedding_generation", "Embedding generation"
    ASSEMBLY = "scene_assembly", "Scene assembly"


class Task(models.Model):
    """A generation task: what the studio knows of it. Its queue state (status, priority,
    dependencies, attempts, heartbeat, progress, error) is the ``jobs.Job`` it owns, which the
    jobs engine claims and runs."""

    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="studio_task")
    task_type = models.CharField(max_length=20, choices=TaskType.choices)
    project = models.ForeignKey("studio.Project", on_delete=models.CASCADE, related_name="tasks")
    episode = models.ForeignKey(
        "studio.Episode", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    scene = models.ForeignKey(
        "studio.Scene", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    character = models.ForeignKey(
        "studio.Character", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    parameters = models.JSONField(default=dict, blank=True)
    # The same generation (type, target, parameters) is queued and paid for once.
    content_key = models.CharField(max_length=64)
    prompt_execution = models.ForeignKey(
        "studio.PromptExecution",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    output_media = models.ForeignKey(
        "studio.Media", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)
    processing_time = models.FloatField(default=0, help_text="Seconds")
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    tokens_used = models.PositiveIntegerField(default=0)
    estimated_completion = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["content_key"], name="studio_task_content_key"),
        ]
        indexes = [
            models.Index(fields=["task_type"], name="studio_task_type_idx"),
            models.Index(fields=["project", "created_at"], name="studio_task_project_idx"),
            models.Index(fields=["created_at"], name="studio_task_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_type} #{self.pk}"


# The code that can make each task type's output: the offline generator first, then the
# providers' clients (docs/studio.md).
GENERATORS = {
    "script_generation": ["studio.local.script.script", "studio.providers.openrouter.script"],
    "image_generation": ["studio.local.storyboard.storyboard", "studio.providers.fal.image"],
    "audio_generation": ["studio.local.speech.speech", "studio.providers.elevenlabs.speech"],
    "scene_assembly": ["studio.assembly.assemble"],
    "embedding_generation": ["studio.services.similar.generate"],
}


class GeneratorChoice(models.Model):
    """A task type's generator chosen by a studio admin in the admin; it overrides
    ``STUDIO_GENERATORS`` (no row: the setting decides)."""

    task_type = models.CharField(max_length=20, choices=TaskType.choices, unique=True)
    generator = models.CharField(
        max_length=120, choices=[(p, p) for paths in GENERATORS.values() for p in paths]
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["task_type"]

    def __str__(self) -> str:
        return f"{self.get_task_type_display()}: {self.generator}"
