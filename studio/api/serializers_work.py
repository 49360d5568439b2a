"""The studio API's JSON for media, sessions, tasks and prompts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import StrictBooleanField, StrictIntegerField, StrictRegexField
from core.json_fields import JSONObjectField, JSONValueField

from ..models import (
    Media,
    MediaStatus,
    MediaType,
    PromptExecution,
    PromptTemplate,
    PromptVersion,
    Session,
    SessionState,
    Task,
    TaskType,
)
from ..services.media import media_url
from ..services.tasks import task_estimated_completion
from .serializers import ID, prose, words

# --- media, sessions, tasks ----------------------------------------------------------------


class GenerationMetadata(serializers.Serializer):
    provider = serializers.CharField()
    cost = serializers.DecimalField(max_digits=12, decimal_places=6)
    details = serializers.DictField(source="generation_metadata")


class MediaOut(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    generation_metadata = GenerationMetadata(source="*", read_only=True)

    class Meta:
        model = Media
        fields = [
            "id",
            "filename",
            "mime_type",
            "filesize",
            "width",
            "height",
            "url",
            "project",
            "episode",
            "scene",
            "character",
            "alt",
            "media_type",
            "agent_generated",
            "generation_metadata",
            "description",
            "tags",
            "related_elements",
            "technical_data",
            "version",
            "status",
            "created_at",
            "updated_at",
        ]

    def get_url(self, media) -> str:
        return media_url(media=media)


class MediaPatch(serializers.Serializer):
    alt = prose(300)
    description = prose(5000)
    tags = words(50)
    media_type = serializers.ChoiceField(choices=MediaType.values, required=False)
    status = serializers.ChoiceField(choices=MediaStatus.values, required=False)
    episode = StrictIntegerField(**ID, required=False, allow_null=True)
    scene = StrictIntegerField(**ID, required=False, allow_null=True)
    character = StrictIntegerField(**ID, required=False, allow_null=True)


class MediaUpload(MediaPatch):
    file = serializers.FileField()
    media_type = serializers.ChoiceField(choices=MediaType.values)


class HistoryEntry(serializers.Serializer):
    role = serializers.CharField()
    content = serializers.CharField()
    timestamp = serializers.CharField()
    metadata = serializers.DictField()


class ContextData(serializers.Serializer):
    current_episode = serializers.IntegerField(source="current_episode_id", allow_null=True)
    current_scene = serializers.IntegerField(source="current_scene_id", allow_null=True)
    focus_character = serializers.IntegerField(source="focus_character_id", allow_null=True)
    workflow_state = serializers.DictField()
    user_preferences = serializers.DictField()


class SessionOut(serializers.ModelSerializer):
    conversation_history = HistoryEntry(source="history", many=True, read_only=True)
    context_data = ContextData(source="*", read_only=True)
    session_state = serializers.CharField(source="state")

    class Meta:
        model = Session
        fields = [
            "id",
            "project",
            "user",
            "current_step",
            "conversation_history",
            "context_data",
            "awaiting_user_input",
            "last_choices",
            "session_state",
            "created_at",
            "updated_at",
        ]


class Choice(serializers.Serializer):
    choice_id = StrictRegexField(r"^[A-Za-z0-9_.:-]{1,60}$", max_length=60)
    label = prose(200, blank=False, required=True)
    action = prose(200)
    metadata = JSONObjectField(required=False)


class SessionIn(serializers.Serializer):
    current_step = StrictRegexField(
        r"^[a-z0-9_]{0,40}$", max_length=40, required=False, allow_blank=True
    )
    current_episode = StrictIntegerField(**ID, required=False, allow_null=True)
    current_scene = StrictIntegerField(**ID, required=False, allow_null=True)
    focus_character = StrictIntegerField(**ID, required=False, allow_null=True)
    workflow_state = JSONObjectField(required=False)
    user_preferences = JSONObjectField(required=False)
    awaiting_user_input = StrictBooleanField(required=False)
    last_choices = Choice(many=True, required=False, max_length=20)
    state = serializers.ChoiceField(choices=SessionState.values, required=False)


class MessageIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=["user", "assistant", "system"])
    content = prose(20000, blank=False, required=True)
    metadata = JSONObjectField(required=False)


class ReplyIn(serializers.Serializer):
    content = prose(4000)
    choice_id = StrictRegexField(r"^[A-Za-z0-9:._-]{1,80}$", max_length=80, required=False)


class TaskInput(serializers.Serializer):
    prompt_execution = serializers.IntegerField(source="prompt_execution_id", allow_null=True)
    parameters = serializers.DictField()
    dependencies = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_dependencies(self, task):
        return [d.studio_task.pk for d in task.job.depends_on.all() if hasattr(d, "studio_task")]


class Metrics(serializers.Serializer):
    processing_time = serializers.FloatField()
    cost = serializers.DecimalField(max_digits=12, decimal_places=6)
    tokens_used = serializers.IntegerField()


class TaskOutput(serializers.Serializer):
    media = serializers.IntegerField(source="output_media_id", allow_null=True)
    result = serializers.DictField()
    metrics = Metrics(source="*")


class TaskProgress(serializers.Serializer):
    percentage = serializers.IntegerField(source="job.progress")
    current_step = serializers.CharField(source="job.current_step")
    estimated_completion = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_estimated_completion(self, task):
        eta = task_estimated_completion(task=task)
        return serializers.DateTimeField().to_representation(eta) if eta else None


class TaskError(serializers.Serializer):
    message = serializers.CharField(source="job.last_error")
    code = serializers.CharField(source="job.error_code")
    retry_count = serializers.SerializerMethodField()
    last_retry = serializers.SerializerMethodField()

    def get_retry_count(self, task) -> int:
        return max(0, task.job.attempts - 1)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_last_retry(self, task):
        job = task.job
        return job.started_at.isoformat() if job.attempts > 1 and job.started_at else None


class TaskWorker(serializers.Serializer):
    worker_id = serializers.CharField(source="job.runner")
    started_at = serializers.DateTimeField(source="job.started_at", allow_null=True)
    heartbeat = serializers.DateTimeField(source="job.heartbeat_at", allow_null=True)


class TaskOut(serializers.ModelSerializer):
    status = serializers.CharField(source="job.status")
    priority = serializers.IntegerField(source="job.priority")
    input = TaskInput(source="*", read_only=True)
    output = TaskOutput(source="*", read_only=True)
    progress = TaskProgress(source="*", read_only=True)
    error = TaskError(source="*", read_only=True)
    worker = TaskWorker(source="*", read_only=True)
    completed_at = serializers.DateTimeField(source="job.finished_at", allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "task_type",
            "project",
            "episode",
            "scene",
            "character",
            "status",
            "priority",
            "input",
            "output",
            "progress",
            "error",
            "worker",
            "content_key",
            "created_at",
            "completed_at",
        ]


class TaskIn(serializers.Serializer):
    key = StrictRegexField(
        r"^[A-Za-z0-9_-]{1,40}$",
        max_length=40,
        required=False,
        help_text="A name other tasks of the same batch depend on",
    )
    task_type = serializers.ChoiceField(choices=TaskType.values)
    episode = StrictIntegerField(**ID, required=False, allow_null=True)
    scene = StrictIntegerField(**ID, required=False, allow_null=True)
    character = StrictIntegerField(**ID, required=False, allow_null=True)
    parameters = JSONObjectField(required=False)
    priority = StrictIntegerField(min_value=1, max_value=10, required=False)
    depends_on = serializers.ListField(
        child=JSONValueField(),
        max_length=100,
        required=False,
        help_text="Ids of the project's tasks, or keys of tasks in this batch",
    )


class TaskBatchIn(serializers.Serializer):
    tasks = TaskIn(many=True, min_length=1, max_length=100)


# --- prompts -------------------------------------------------------------------------------


class Variable(serializers.Serializer):
    name = StrictRegexField(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$", max_length=60)
    type = serializers.ChoiceField(choices=["string", "number", "boolean", "json", "text", "url"])
    required = StrictBooleanField(required=False)
    description = prose(1000)
    default = JSONValueField(required=False)


class PromptVersionOut(serializers.ModelSerializer):
    class Meta:
        model = PromptVersion
        fields = ["number", "text", "variables", "output_schema", "model", "notes", "created_at"]


class PromptTemplateOut(serializers.ModelSerializer):
    labels = serializers.SerializerMethodField()
    latest = serializers.SerializerMethodField()

    class Meta:
        model = PromptTemplate
        fields = [
            "id",
            "name",
            "app",
            "feature",
            "stage",
            "tags",
            "labels",
            "latest",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_labels(self, t):
        return {label.name: label.version.number for label in t.labels.all()}

    @extend_schema_field(PromptVersionOut(allow_null=True))
    def get_latest(self, t):
        versions = sorted(t.versions.all(), key=lambda v: -v.number)
        return PromptVersionOut(versions[0]).data if versions else None


class PromptIn(serializers.Serializer):
    name = prose(120, blank=False, required=True)
    app = prose(60)
    feature = prose(60)
    stage = prose(60)
    tags = words()
    text = prose(100_000, blank=False, required=True)
    variables = Variable(many=True, required=False, max_length=100)
    output_schema = JSONObjectField(required=False, allow_null=True)
    model = StrictRegexField(r"^[A-Za-z0-9_./:-]{1,100}$", max_length=100)
    notes = prose(5000)


class PromptPatch(PromptIn):
    name = None
    text = prose(100_000, blank=False)
    model = StrictRegexField(r"^[A-Za-z0-9_./:-]{1,100}$", max_length=100, required=False)


class LabelIn(serializers.Serializer):
    version = StrictIntegerField(min_value=1, max_value=2**31 - 1)


class RenderIn(serializers.Serializer):
    inputs = JSONObjectField()
    label = serializers.ChoiceField(choices=["production", "staging", "latest"], required=False)


class ExecutionOut(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", allow_null=True, default=None)

    class Meta:
        model = PromptExecution
        fields = [
            "id",
            "template",
            "version",
            "app",
            "feature",
            "stage",
            "project",
            "tags_snapshot",
            "inputs",
            "resolved_prompt",
            "model",
            "status",
            "output_raw",
            "error_message",
            "started_at",
            "finished_at",
            "tokens_in",
            "tokens_out",
            "cost",
            "latency_ms",
            "notes",
            "created_at",
        ]
