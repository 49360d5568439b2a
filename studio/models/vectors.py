"""What the studio keeps of its providers' work: media embeddings (for similar-media search) and
the fal queue requests a task is waiting on."""

from __future__ import annotations

from django.db import models


class Embedding(models.Model):
    """One media's vector under one model. Vectors of different models (or dimensions) are
    never compared: a search names its model. ``vector`` is the float32 vector, L2-normalised,
    as bytes; on PostgreSQL with the ``vector`` extension a ``vec`` column beside it holds the
    same vector for the HNSW index (``studio.vectors``)."""

    media = models.ForeignKey("studio.Media", on_delete=models.CASCADE, related_name="embeddings")
    model = models.CharField(max_length=100)
    dimensions = models.PositiveIntegerField()
    vector = models.BinaryField()
    # What was embedded (its SHA-256): a media whose description changes is embedded again.
    source = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["media", "model"], name="studio_embedding_media_model")
        ]
        indexes = [models.Index(fields=["model", "dimensions"], name="studio_embedding_model")]

    def __str__(self) -> str:
        return f"{self.model} ({self.dimensions}) of media {self.media_id}"


class FalState(models.TextChoices):
    QUEUED = "IN_QUEUE", "In queue"
    RUNNING = "IN_PROGRESS", "In progress"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "ERROR", "Error"
    CANCELLED = "CANCELLED", "Cancelled"


class FalRequest(models.Model):
    """A request a task sent to fal's queue: its state and queue position as last seen, and
    the result once a webhook delivered it or a poll fetched it. One row per request id, so a
    redelivered webhook changes nothing."""

    request_id = models.CharField(max_length=64, unique=True)
    task = models.ForeignKey(
        "studio.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    model = models.CharField(max_length=120)
    key = models.CharField(max_length=40, help_text="What the task asked for (e.g. panel-2)")
    seed = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=FalState.choices, default=FalState.QUEUED)
    queue_position = models.IntegerField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="When its webhook came")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "fal request"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"fal {self.model} {self.request_id} ({self.state})"
