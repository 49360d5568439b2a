"""Projects and what hangs under them: episodes, characters (and their relationships), scenes."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Genre(models.TextChoices):
    ACTION = "action", "Action"
    COMEDY = "comedy", "Comedy"
    DRAMA = "drama", "Drama"
    HORROR = "horror", "Horror"
    SCI_FI = "sci-fi", "Sci-fi"
    THRILLER = "thriller", "Thriller"
    ROMANCE = "romance", "Romance"
    DOCUMENTARY = "documentary", "Documentary"


class Audience(models.TextChoices):
    CHILDREN = "children", "Children"
    FAMILY = "family", "Family"
    TEEN = "teen", "Teen"
    ADULT = "adult", "Adult"


class ProjectStatus(models.TextChoices):
    CONCEPT = "concept", "Concept"
    PRE_PRODUCTION = "pre-production", "Pre-production"
    PRODUCTION = "production", "Production"
    POST_PRODUCTION = "post-production", "Post-production"
    COMPLETED = "completed", "Completed"
    ON_HOLD = "on-hold", "On hold"


class AspectRatio(models.TextChoices):
    WIDE = "16:9", "16:9"
    CLASSIC = "4:3", "4:3"
    CINEMA = "21:9", "21:9"


class QualityTier(models.TextChoices):
    DRAFT = "draft", "Draft"
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"


class Phase(models.TextChoices):
    STORY = "story_development", "Story development"
    CHARACTERS = "character_creation", "Character creation"
    VISUALS = "visual_design", "Visual design"
    AUDIO = "audio_design", "Audio design"
    SCENES = "scene_production", "Scene production"
    POST = "post_production", "Post-production"
    ASSEMBLY = "final_assembly", "Final assembly"


class Project(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    genre = models.CharField(max_length=12, choices=Genre.choices)
    episode_count = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    target_audience = models.CharField(
        max_length=10, choices=Audience.choices, default=Audience.FAMILY
    )
    status = models.CharField(
        max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.CONCEPT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="studio_projects"
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Collaborator",
        related_name="studio_collaborations",
        blank=True,
    )
    style_references = models.ManyToManyField("studio.Media", related_name="style_of", blank=True)
    # projectSettings
    aspect_ratio = models.CharField(
        max_length=5, choices=AspectRatio.choices, default=AspectRatio.WIDE
    )
    episode_duration = models.PositiveSmallIntegerField(default=10, help_text="Minutes")
    quality_tier = models.CharField(
        max_length=10, choices=QualityTier.choices, default=QualityTier.STANDARD
    )
    # progress
    current_phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.STORY)
    completed_steps = models.JSONField(default=list, blank=True)
    overall_progress = models.PositiveSmallIntegerField(default=0, help_text="Percent")
    # The series this project is published as (made on the first publish).
    catalog_title = models.OneToOneField(
        "catalog.Title",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="studio_project",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["title"], name="studio_project_title_idx"),
            models.Index(fields=["status"], name="studio_project_status_idx"),
            models.Index(fields=["genre"], name="studio_project_genre_idx"),
            models.Index(fields=["created_by", "status"], name="studio_project_owner_idx"),
            # Lists and searches are newest change first (``ordering``).
            models.Index(fields=["-updated_at", "-id"], name="studio_project_recent_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(episode_count__gte=1, episode_count__lte=50),
                name="studio_project_episode_count_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Collaborator(models.Model):
    """A user working on someone else's project (reads and updates it, cannot delete it)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="collaborations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Denormalised from the project so "my collaborations by status" is one index scan; the
    # project's status service writes both.
    project_status = models.CharField(max_length=16, choices=ProjectStatus.choices)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="studio_collaborator_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "project_status"], name="studio_collab_user_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.project_id}"


class EpisodeStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    SCRIPTING = "scripting", "Scripting"
    STORYBOARDING = "storyboarding", "Storyboarding"
    PRODUCTION = "production", "Production"
    EDITING = "editing", "Editing"
    COMPLETED = "completed", "Completed"


class Episode(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="episodes")
    episode_number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # synopsis
    logline = models.CharField(max_length=300, blank=True, default="")
    summary = models.TextField(blank=True, default="")
    themes = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=14, choices=EpisodeStatus.choices, default=EpisodeStatus.PLANNING
    )
    # script
    script = models.TextField(blank=True, default="")
    script_version = models.PositiveIntegerField(default=0)
    word_count = models.PositiveIntegerField(default=0)
    estimated_duration = models.PositiveIntegerField(default=0, help_text="Seconds")
    # production (derived; kept by the services)
    scene_count = models.PositiveIntegerField(default=0)
    completed_scenes = models.PositiveIntegerField(default=0)
    render_progress = models.PositiveSmallIntegerField(default=0, help_text="Percent")
    # metadata
    duration = models.PositiveIntegerField(default=0, help_text="Seconds")
    final_video = models.ForeignKey(
        "studio.Media", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    thumbnail = models.ForeignKey(
        "studio.Media", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The catalog episode it is published as.
    catalog_episode = models.OneToOneField(
        "catalog.Episode",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="studio_episode",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "episode_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "episode_number"], name="studio_episode_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="studio_episode_status_idx")]

    def __str__(self) -> str:
        return f"E{self.episode_number} {self.title}"


class Character(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="characters")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")
    # profile
    age = models.CharField(max_length=40, blank=True, default="")
    gender = models.CharField(max_length=40, blank=True, default="")
    personality = models.JSONField(default=list, blank=True)
    backstory = models.TextField(blank=True, default="")
    motivations = models.JSONField(default=list, blank=True)
    # visualDesign
    reference_images = models.ManyToManyField(
        "studio.Media", related_name="reference_of", blank=True
    )
    final_design = models.ForeignKey(
        "studio.Media", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    style_notes = models.TextField(blank=True, default="")
    color_palette = models.JSONField(default=list, blank=True)
    # voiceProfile
    voice_id = models.CharField(max_length=100, blank=True, default="")
    audio_sample = models.ForeignKey(
        "studio.Media", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    voice_characteristics = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "name", "id"]
        indexes = [models.Index(fields=["project", "name"], name="studio_character_name_idx")]

    def __str__(self) -> str:
        return self.name


class Relationship(models.Model):
    """One character's relationship to another of the same project."""

    character = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="relationships")
    other = models.ForeignKey(Character, on_delete=models.CASCADE, related_name="+")
    relationship_type = models.CharField(max_length=60)
    description = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["character", "other"], name="studio_relationship_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(character=models.F("other")), name="studio_relationship_other"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.character_id} {self.relationship_type} {self.other_id}"


class SceneStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    GENERATING = "generating", "Generating"
    REVIEWING = "reviewing", "Reviewing"
    APPROVED = "approved", "Approved"
    FAILED = "failed", "Failed"


class TimeOfDay(models.TextChoices):
    DAWN = "dawn", "Dawn"
    DAY = "day", "Day"
    DUSK = "dusk", "Dusk"
    NIGHT = "night", "Night"


class Scene(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="scenes")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="scenes")
    scene_number = models.PositiveIntegerField()
    title = models.CharField(max_length=200, blank=True, default="")
    # script: the action, the dialogue lines [{character, lines, emotion, timing}], duration
    action = models.TextField(blank=True, default="")
    dialogue = models.JSONField(default=list, blank=True)
    duration = models.PositiveIntegerField(default=0, help_text="Estimated seconds")
    # storyboard: [{panel_number, description, image, camera_angle, notes}]
    panels = models.JSONField(default=list, blank=True)
    # production
    status = models.CharField(
        max_length=10, choices=SceneStatus.choices, default=SceneStatus.PENDING
    )
    video_segment = models.ForeignKey(
        "studio.Media", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    audio_track = models.ForeignKey(
        "studio.Media", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempts = models.PositiveIntegerField(default=0)
    last_attempt = models.DateTimeField(null=True, blank=True)
    characters = models.ManyToManyField(Character, related_name="scenes", blank=True)
    location = models.CharField(max_length=200, blank=True, default="")
    time_of_day = models.CharField(max_length=5, choices=TimeOfDay.choices, default=TimeOfDay.DAY)
    mood = models.CharField(max_length=60, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["episode_id", "scene_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "scene_number"], name="studio_scene_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["status"], name="studio_scene_status_idx")]

    def __str__(self) -> str:
        return f"Scene {self.scene_number}: {self.title}"
