"""The studio API's JSON: output serializers read rows (nested objects where the studio's
documents have them), input serializers check what a client may send."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import PlainTextField, StrictBooleanField, StrictIntegerField, StrictRegexField
from core.text import HTML

from ..models import (
    AspectRatio,
    Audience,
    Character,
    Episode,
    EpisodeStatus,
    Genre,
    Phase,
    Project,
    ProjectStatus,
    QualityTier,
    Scene,
    SceneStatus,
    Theme,
    TimeOfDay,
)
from ..services.content import character_appearances

ID = {"min_value": 1, "max_value": 2**63 - 1}


def prose(max_length: int, *, blank: bool = True, required: bool = False) -> PlainTextField:
    return PlainTextField(
        max_length=max_length, refuse=HTML.pattern, blank=blank, required=required
    )


def words(max_items: int = 30) -> serializers.ListField:
    return serializers.ListField(
        child=prose(100, blank=False, required=True), max_length=max_items, required=False
    )


# --- members -------------------------------------------------------------------------------


class QuotaOut(serializers.Serializer):
    tier = serializers.CharField()
    max_projects = serializers.IntegerField()
    projects_used = serializers.IntegerField()
    projects_left = serializers.IntegerField()
    max_episodes_per_project = serializers.IntegerField()
    features = serializers.ListField(child=serializers.CharField())


class Preferences(serializers.Serializer):
    theme = serializers.CharField()
    notifications = serializers.BooleanField()
    language = serializers.CharField()


class BudgetOut(serializers.Serializer):
    monthly_budget = serializers.DecimalField(max_digits=12, decimal_places=2)
    spent = serializers.DecimalField(max_digits=12, decimal_places=6)
    left = serializers.DecimalField(max_digits=12, decimal_places=6)


class PausedRun(serializers.Serializer):
    gate = serializers.IntegerField()
    estimate = serializers.DecimalField(max_digits=12, decimal_places=6)


class CostsOut(serializers.Serializer):
    total = serializers.DecimalField(max_digits=12, decimal_places=6)
    by_type = serializers.DictField(child=serializers.DecimalField(max_digits=12, decimal_places=6))
    paused = PausedRun(many=True)
    owner_budget = BudgetOut()


class ContinueOut(serializers.Serializer):
    opened = serializers.ListField(child=serializers.IntegerField())


class MemberOut(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email")
    email_verified = serializers.BooleanField(source="user.email_verified")
    role = serializers.CharField()
    preferences = Preferences(source="*")
    quota = QuotaOut()
    budget = BudgetOut(help_text="This calendar month's spend on paid providers")


class MemberIn(serializers.Serializer):
    theme = serializers.ChoiceField(choices=Theme.values, required=False)
    notifications = StrictBooleanField(required=False)
    language = StrictRegexField(r"^[a-z]{2}(-[A-Z]{2})?$", max_length=5, required=False)


# --- projects ------------------------------------------------------------------------------


class ProjectSettings(serializers.Serializer):
    aspect_ratio = serializers.ChoiceField(choices=AspectRatio.values, required=False)
    episode_duration = StrictIntegerField(min_value=1, max_value=240, required=False)
    quality_tier = serializers.ChoiceField(choices=QualityTier.values, required=False)


class ProjectProgress(serializers.Serializer):
    current_phase = serializers.ChoiceField(choices=Phase.values, required=False)
    completed_steps = words(20)
    overall_progress = serializers.IntegerField(read_only=True)


class ProjectOut(serializers.ModelSerializer):
    settings = ProjectSettings(source="*")
    progress = ProjectProgress(source="*")
    collaborators = serializers.SerializerMethodField()
    style_references = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "description",
            "genre",
            "episode_count",
            "target_audience",
            "status",
            "created_by",
            "collaborators",
            "style_references",
            "settings",
            "progress",
            "created_at",
            "updated_at",
        ]

    def get_collaborators(self, project) -> list[int]:
        return [c.user_id for c in project.collaborations.all()]


class ProjectIn(serializers.Serializer):
    title = prose(200, blank=False, required=True)
    description = prose(5000)
    genre = serializers.ChoiceField(choices=Genre.values)
    episode_count = StrictIntegerField(min_value=1, max_value=50, required=False)
    target_audience = serializers.ChoiceField(choices=Audience.values, required=False)
    status = serializers.ChoiceField(choices=ProjectStatus.values, required=False)
    settings = ProjectSettings(source="*", required=False)
    progress = ProjectProgress(source="*", required=False)


class ProjectPatch(ProjectIn):
    title = prose(200, blank=False)
    genre = serializers.ChoiceField(choices=Genre.values, required=False)


class CollaboratorIn(serializers.Serializer):
    user = StrictRegexField(
        r"^[^\s\x00]{1,254}$", max_length=254, help_text="A username or a verified email"
    )


# --- episodes, characters, scenes ----------------------------------------------------------


class Synopsis(serializers.Serializer):
    logline = serializers.CharField()
    summary = serializers.CharField()
    themes = serializers.ListField(child=serializers.CharField())


class Script(serializers.Serializer):
    content = serializers.CharField(source="script")
    version = serializers.IntegerField(source="script_version")
    word_count = serializers.IntegerField()
    estimated_duration = serializers.IntegerField()


class EpisodeProduction(serializers.Serializer):
    scene_count = serializers.IntegerField()
    completed_scenes = serializers.IntegerField()
    render_progress = serializers.IntegerField()


class EpisodeMetadata(serializers.Serializer):
    duration = serializers.IntegerField()
    final_video = serializers.IntegerField(source="final_video_id", allow_null=True)
    thumbnail = serializers.IntegerField(source="thumbnail_id", allow_null=True)
    catalog_episode = serializers.IntegerField(source="catalog_episode_id", allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


class EpisodeOut(serializers.ModelSerializer):
    synopsis = Synopsis(source="*", read_only=True)
    script = Script(source="*", read_only=True)
    production = EpisodeProduction(source="*", read_only=True)
    metadata = EpisodeMetadata(source="*", read_only=True)

    class Meta:
        model = Episode
        fields = [
            "id",
            "project",
            "episode_number",
            "title",
            "description",
            "synopsis",
            "status",
            "script",
            "production",
            "metadata",
            "created_at",
            "updated_at",
        ]


class ProduceIn(serializers.Serializer):
    burn_subtitles = StrictBooleanField(required=False, default=False)
    scenes = StrictIntegerField(
        min_value=1, max_value=40, required=False, default=3,
        help_text="How many scenes the script writes, when the episode has none yet",
    )  # fmt: skip


class ProduceOut(serializers.Serializer):
    tasks = serializers.ListField(child=serializers.IntegerField())
    created = serializers.IntegerField()
    reused = serializers.IntegerField()
    retried = serializers.IntegerField()
    final = serializers.IntegerField(help_text="The task whose end is the episode's")


class PublishOut(serializers.Serializer):
    job = serializers.IntegerField()
    status = serializers.CharField()


class EpisodeIn(serializers.Serializer):
    episode_number = StrictIntegerField(min_value=1, max_value=50, required=False)
    title = prose(200, blank=False, required=True)
    description = prose(5000)
    logline = prose(300)
    summary = prose(10000)
    themes = words()
    status = serializers.ChoiceField(choices=EpisodeStatus.values, required=False)
    script = prose(200_000)
    estimated_duration = StrictIntegerField(min_value=0, max_value=86400, required=False)
    duration = StrictIntegerField(min_value=0, max_value=86400, required=False)
    final_video = StrictIntegerField(**ID, required=False, allow_null=True)
    thumbnail = StrictIntegerField(**ID, required=False, allow_null=True)


class EpisodePatch(EpisodeIn):
    title = prose(200, blank=False)


class RelationshipOut(serializers.Serializer):
    character = serializers.IntegerField(source="other_id")
    relationship_type = serializers.CharField()
    description = serializers.CharField()


class Profile(serializers.Serializer):
    age = serializers.CharField()
    gender = serializers.CharField()
    personality = serializers.ListField(child=serializers.CharField())
    backstory = serializers.CharField()
    motivations = serializers.ListField(child=serializers.CharField())
    relationships = RelationshipOut(many=True)


class VisualDesign(serializers.Serializer):
    reference_images = serializers.SerializerMethodField()
    final_design = serializers.IntegerField(source="final_design_id", allow_null=True)
    style_notes = serializers.CharField()
    color_palette = serializers.ListField(child=serializers.CharField())

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_reference_images(self, character):
        return [m.pk for m in character.reference_images.all()]


class VoiceProfile(serializers.Serializer):
    voice_id = serializers.CharField()
    audio_sample = serializers.IntegerField(source="audio_sample_id", allow_null=True)
    voice_characteristics = serializers.ListField(child=serializers.CharField())


class Appearance(serializers.Serializer):
    episode = serializers.IntegerField()
    scenes = serializers.ListField(child=serializers.IntegerField())
    screen_time = serializers.IntegerField()


class CharacterOut(serializers.ModelSerializer):
    profile = Profile(source="*", read_only=True)
    visual_design = VisualDesign(source="*", read_only=True)
    voice_profile = VoiceProfile(source="*", read_only=True)

    class Meta:
        model = Character
        fields = [
            "id",
            "project",
            "name",
            "description",
            "profile",
            "visual_design",
            "voice_profile",
            "created_at",
            "updated_at",
        ]


class CharacterDetailOut(CharacterOut):
    appearances = serializers.SerializerMethodField()

    class Meta(CharacterOut.Meta):
        fields = [*CharacterOut.Meta.fields, "appearances"]

    @extend_schema_field(Appearance(many=True))
    def get_appearances(self, character):
        return character_appearances(character=character)


class CharacterIn(serializers.Serializer):
    name = prose(120, blank=False, required=True)
    description = prose(5000)
    age = prose(40)
    gender = prose(40)
    personality = words()
    backstory = prose(20000)
    motivations = words()
    final_design = StrictIntegerField(**ID, required=False, allow_null=True)
    style_notes = prose(5000)
    color_palette = serializers.ListField(
        child=StrictRegexField(r"^#[0-9a-fA-F]{6}$", max_length=7), max_length=16, required=False
    )
    voice_id = StrictRegexField(
        r"^[A-Za-z0-9_.:-]{0,100}$", max_length=100, required=False, allow_blank=True
    )
    audio_sample = StrictIntegerField(**ID, required=False, allow_null=True)
    voice_characteristics = words()


class CharacterPatch(CharacterIn):
    name = prose(120, blank=False)


class RelationshipIn(serializers.Serializer):
    relationship_type = prose(60, blank=False, required=True)
    description = prose(500)


class DialogueLine(serializers.Serializer):
    character = StrictIntegerField(**ID)
    lines = prose(5000, blank=False, required=True)
    emotion = prose(60)
    timing = serializers.FloatField(min_value=0, max_value=86400, required=False)


class Panel(serializers.Serializer):
    panel_number = StrictIntegerField(min_value=1, max_value=1000)
    description = prose(5000)
    image = StrictIntegerField(**ID, required=False, allow_null=True)
    camera_angle = prose(60)
    notes = prose(5000)


class SceneScript(serializers.Serializer):
    action = serializers.CharField()
    dialogue = DialogueLine(many=True)
    duration = serializers.IntegerField()


class Storyboard(serializers.Serializer):
    panels = Panel(many=True)


class SceneProduction(serializers.Serializer):
    status = serializers.ChoiceField(choices=SceneStatus.values)
    video_segment = serializers.IntegerField(source="video_segment_id", allow_null=True)
    audio_track = serializers.IntegerField(source="audio_track_id", allow_null=True)
    attempts = serializers.IntegerField()
    last_attempt = serializers.DateTimeField(allow_null=True)


class SceneOut(serializers.ModelSerializer):
    script = SceneScript(source="*", read_only=True)
    storyboard = Storyboard(source="*", read_only=True)
    production = SceneProduction(source="*", read_only=True)
    characters = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Scene
        fields = [
            "id",
            "project",
            "episode",
            "scene_number",
            "title",
            "script",
            "storyboard",
            "production",
            "characters",
            "location",
            "time_of_day",
            "mood",
            "created_at",
            "updated_at",
        ]


class SceneIn(serializers.Serializer):
    scene_number = StrictIntegerField(min_value=1, max_value=10000, required=False)
    title = prose(200)
    action = prose(20000)
    dialogue = DialogueLine(many=True, required=False, max_length=500)
    duration = StrictIntegerField(min_value=0, max_value=86400, required=False)
    panels = Panel(many=True, required=False, max_length=200)
    status = serializers.ChoiceField(choices=SceneStatus.values, required=False)
    characters = serializers.ListField(
        child=StrictIntegerField(**ID), max_length=100, required=False
    )
    location = prose(200)
    time_of_day = serializers.ChoiceField(choices=TimeOfDay.values, required=False)
    mood = prose(60)


class ReorderIn(serializers.Serializer):
    order = serializers.ListField(child=StrictIntegerField(**ID), min_length=1, max_length=10000)
