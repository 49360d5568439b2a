"""Tenants in the admin: the list with status and the age of the cached stats, the change form
grouped as the seed groups a tenant, its domains inline (normalised on save), and the audited
suspend / reinstate actions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.timesince import timesince

from . import services
from .domains import domain_normalize
from .models import Tenant, TenantDomain


class TenantDomainForm(forms.ModelForm):
    class Meta:
        model = TenantDomain
        fields = ("domain", "is_primary")

    def clean_domain(self) -> str:
        domain = domain_normalize(self.cleaned_data["domain"])
        if domain is None:
            raise forms.ValidationError("Not a domain name (e.g. anime-hub.com).")
        return domain


class TenantDomainInline(admin.TabularInline):
    model = TenantDomain
    form = TenantDomainForm
    extra = 1


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "primary_domain",
        "status",
        "plan",
        "capacity_tier",
        "monthly_visitors",
        "bandwidth_used_gb",
        "revenue_generated",
        "stats_age",
    )
    list_filter = ("status", "plan", "capacity_tier", "dmca_shield_active")
    search_fields = ("name", "domains__domain", "owner_email")
    readonly_fields = (
        "status",
        "monthly_visitors",
        "bandwidth_used_gb",
        "revenue_generated",
        "stats_computed_at",
    )
    inlines = [TenantDomainInline]
    fieldsets = (
        (None, {"fields": ("name", "is_default", "owner_email", "status")}),
        ("Plan", {"fields": ("plan", "rev_share_percent")}),
        ("Subscription", {"fields": ("start_date", "next_bill_date", "payment_method")}),
        (
            "Add-ons",
            {
                "fields": (
                    "android_app_active",
                    "android_apk_url",
                    "dmca_shield_active",
                    "capacity_tier",
                )
            },
        ),
        ("Branding", {"fields": ("logo", "primary_color", "footer_links")}),
        ("Catalog policy", {"fields": ("allowed_ratings", "allowed_media_types", "hidden_genres")}),
        (
            "Stats (measured from traffic)",
            {
                "fields": (
                    "monthly_visitors",
                    "bandwidth_used_gb",
                    "revenue_generated",
                    "stats_computed_at",
                )
            },
        ),
    )
    actions = ["suspend", "reinstate"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description="domain")
    def primary_domain(self, obj: Tenant) -> str:
        domains = sorted(obj.domains.all(), key=lambda d: (not d.is_primary, d.pk))
        return domains[0].domain if domains else "—"

    @admin.display(description="stats age")
    def stats_age(self, obj: Tenant) -> str:
        if obj.stats_computed_at is None:
            return "never computed"
        return f"{timesince(obj.stats_computed_at, timezone.now())} ago"

    def has_suspend_permission(self, request) -> bool:
        return request.user.has_perm("tenants.suspend_tenant")

    @admin.action(description="Suspend the selected tenants", permissions=["suspend"])
    def suspend(self, request, queryset):
        done = sum(
            services.tenant_suspend(tenant=t, actor=request.user, reason="by hand")
            for t in queryset
        )
        self.message_user(request, f"{done} suspended.", messages.SUCCESS)

    @admin.action(description="Reinstate the selected tenants", permissions=["suspend"])
    def reinstate(self, request, queryset):
        done = sum(
            services.tenant_reinstate(tenant=t, actor=request.user, reason="by hand")
            for t in queryset
        )
        self.message_user(request, f"{done} reinstated.", messages.SUCCESS)
