"""Media assets: images, video and audio of a project. The bytes are in the vault (``ref``);
they are served only through signed URLs handed out after the access rule."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MediaType(models.TextChoices):
    STYLE_REFERENCE = "style_reference", "Style reference"
    CHARACTER_DESIGN = "character_design", "Character design"
    ENVIRONMENT_DESIGN = "environment_design", "Environment design"
    CONCEPT_ART = "concept_art", "Concept art"
    STORYBOARD = "storyboard", "Storyboard"
    VIDEO_SEGMENT = "video_segment", "Video segment"
    AUDIO_CLIP = "audio_clip", "Audio clip"
    VOICE_PROFILE = "voice_profile", "Voice profile"
    MUSIC_TRACK = "music_track", "Music track"
    SOUND_EFFECT = "sound_effect", "Sound effect"
    FINAL_VIDEO = "final_video", "Final video"


class MediaStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DRAFT = "draft", "Draft"
    ARCHIVED = "archived", "Archived"
    PROCESSING = "processing", "Processing"
    FAILED = "failed", "Failed"


class Provider(models.TextChoices):
    LOCAL = "local", "Local"
    FAL = "fal", "fal"
    OPENROUTER = "openrouter", "OpenRouter"
    ELEVENLABS = "elevenlabs", "ElevenLabs"
    CUSTOM = "custom", "Custom"


class Media(models.Model):
    # file information
    filename = models.CharField(max_length=200)
    mime_type = models.CharField(max_length=100)
    filesize = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    ref = models.CharField(max_length=300, blank=True, default="", help_text="Tagged vault ref")
    sha256 = models.CharField(max_length=64, blank=True, default="")
    thumbnail_ref = models.CharField(max_length=300, blank=True, default="")
    # relationships
    project = models.ForeignKey("studio.Project", on_delete=models.CASCADE, related_name="media")
    episode = models.ForeignKey(
        "studio.Episode", on_delete=models.SET_NULL, null=True, blank=True, related_name="media"
    )
    scene = models.ForeignKey(
        "studio.Scene", on_delete=models.SET_NULL, null=True, blank=True, related_name="media"
    )
    character = models.ForeignKey(
        "studio.Character", on_delete=models.SET_NULL, null=True, blank=True, related_name="media"
    )
    alt = models.CharField(max_length=300, blank=True, default="")
    media_type = models.CharField(max_length=20, choices=MediaType.choices)
    agent_generated = models.BooleanField(default=False)
    # generationMetadata: provider and cost are columns (spend is summed per project); the
    # rest (agent, prompt, model version, time, task) is an open object.
    provider = models.CharField(max_length=12, choices=Provider.choices, blank=True, default="")
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    generation_metadata = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    related_elements = models.JSONField(default=dict, blank=True)
    technical_data = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=MediaStatus.choices, default=MediaStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "media"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["media_type"], name="studio_media_type_idx"),
            models.Index(fields=["status"], name="studio_media_status_idx"),
            models.Index(fields=["project", "media_type"], name="studio_media_project_type"),
            models.Index(fields=["episode", "media_type"], name="studio_media_episode_type"),
        ]

    def __str__(self) -> str:
        return self.filename
