"""A tenant is a white-label site on its own domain(s) (docs/design.md):
brand, catalog policy, plan and billing state, add-ons and the stats measured from its traffic.
The main site is the default tenant."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Plan(models.TextChoices):
    REV_SHARE = "rev_share", "Revenue share"
    FIXED_FEE = "fixed_fee", "Fixed fee"


class TenantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    SUSPENDED = "suspended", "Suspended"


class CapacityTier(models.TextChoices):
    BASIC = "basic", "Basic"
    PLUS = "plus", "Plus"
    PRO = "pro", "Pro"


def _no_list() -> list:
    return []


class Tenant(models.Model):
    name = models.CharField(max_length=100, help_text="The site's name, shown to visitors")
    is_default = models.BooleanField(default=False, help_text="The main site")
    owner_email = models.EmailField(blank=True, default="")
    plan = models.CharField(max_length=10, choices=Plan.choices, default=Plan.FIXED_FEE)
    rev_share_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    status = models.CharField(
        max_length=10, choices=TenantStatus.choices, default=TenantStatus.ACTIVE
    )
    # Subscription
    start_date = models.DateField(null=True, blank=True)
    next_bill_date = models.DateField(null=True, blank=True)
    payment_method = models.CharField(max_length=40, blank=True, default="")
    # Add-ons
    android_app_active = models.BooleanField(default=False)
    android_apk_url = models.URLField(blank=True, default="")
    dmca_shield_active = models.BooleanField(default=False)
    capacity_tier = models.CharField(
        max_length=10, choices=CapacityTier.choices, default=CapacityTier.BASIC
    )
    # Branding
    logo = models.CharField(max_length=500, blank=True, default="", help_text="Vault ref")
    primary_color = models.CharField(max_length=7, default="#e50914", help_text="#rrggbb")
    footer_links = models.JSONField(default=_no_list, blank=True, help_text="[{label, url}]")
    # Catalog policy (empty: everything)
    allowed_ratings = models.JSONField(default=_no_list, blank=True)
    allowed_media_types = models.JSONField(default=_no_list, blank=True)
    hidden_genres = models.JSONField(default=_no_list, blank=True, help_text="Genre slugs")
    # Stats, computed from traffic (never typed in)
    monthly_visitors = models.PositiveIntegerField(default=0, editable=False)
    bandwidth_used_gb = models.DecimalField(
        max_digits=14, decimal_places=3, default=0, editable=False
    )
    revenue_generated = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, editable=False
    )
    stats_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="tenant_one_default"
            )
        ]
        permissions = [
            ("suspend_tenant", "Can suspend and reinstate a tenant"),
            ("record_payment", "Can record a tenant's payment"),
        ]

    def __str__(self) -> str:
        return self.name


class TenantDomain(models.Model):
    """A domain a tenant answers on (stored normalised: ``tenants.domains``); one is primary."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(is_primary=True), name="tenantdomain_one_primary"
            )
        ]

    def __str__(self) -> str:
        return self.domain


class Payment(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    period_start = models.DateField()
    period_end = models.DateField()
    method = models.CharField(max_length=40)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.tenant} {self.amount} ({self.period_start} to {self.period_end})"


class TenantDailyStats(models.Model):
    """One tenant's traffic on one UTC day, rolled up from Redis (``tenants.stats``): unique
    visitors (HyperLogLog), bytes served (ranges included), ad-link clicks."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="daily_stats")
    day = models.DateField()
    visitors = models.PositiveIntegerField(default=0)
    bytes_served = models.PositiveBigIntegerField(default=0, help_text="Sent by our processes")
    nginx_bytes = models.PositiveBigIntegerField(default=0, help_text="Sent by nginx itself")
    ad_clicks = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "tenant daily stats"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "day"], name="tenantdailystats_one_per_day")
        ]
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.tenant} {self.day}"


class LogCursor(models.Model):
    """How far a log file (nginx's bytes log) has been read: its inode and byte offset, so a
    rotated file starts again at 0 and nothing is counted twice."""

    path = models.CharField(max_length=500, unique=True)
    inode = models.PositiveBigIntegerField(default=0)
    offset = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.path} @ {self.offset}"
