"""Who works in the studio: a user's studio role, preferences and subscription tier."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StudioRole(models.TextChoices):
    USER = "user", "User"
    PRODUCER = "producer", "Producer"
    ADMIN = "admin", "Admin"


class Tier(models.Model):
    """A subscription tier and its limits (rows made from ``STUDIO_TIERS``; staff edit them)."""

    name = models.SlugField(max_length=20, unique=True)
    max_projects = models.PositiveIntegerField()
    max_episodes_per_project = models.PositiveIntegerField()
    features = models.JSONField(default=list, blank=True)
    # What a member of this tier may spend on providers per calendar month (0: nothing paid).
    monthly_budget = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering = ["max_projects", "name"]

    def __str__(self) -> str:
        return self.name


class Theme(models.TextChoices):
    SYSTEM = "system", "System"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


class Member(models.Model):
    """A user's studio profile; made on first use with the default tier."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="studio_member"
    )
    role = models.CharField(max_length=10, choices=StudioRole.choices, default=StudioRole.USER)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="members")
    theme = models.CharField(max_length=10, choices=Theme.choices, default=Theme.SYSTEM)
    notifications = models.BooleanField(default=True)
    language = models.CharField(max_length=10, default="en")
    # Added to the tier's monthly budget ("top up and continue").
    budget_top_up = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["role"], name="studio_member_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.tier_id})"
