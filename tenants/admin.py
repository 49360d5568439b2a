"""Tenants in the admin: the list with status badges, filters and the cached stats with their
age; the change form grouped as a tenant's contract reads, its domains inline (normalised on
save) and its payments; a dashboard per tenant (visitors and bandwidth per day, 30 days); the
audited actions suspend, reinstate, record payment and recompute stats."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from unfold.admin import TabularInline

from core.admin_audit import AuditedAdmin
from core.charts import bar_chart

from . import services
from .domains import domain_normalize
from .models import Payment, Tenant, TenantDomain, TenantStatus
from .stats import daily_series

BADGES = {
    TenantStatus.ACTIVE: "#2e7d32",
    TenantStatus.PAST_DUE: "#ef6c00",
    TenantStatus.SUSPENDED: "#c62828",
}


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0.01)
    method = forms.CharField(max_length=40, help_text="e.g. bank transfer, card, crypto")
    period_start = forms.DateField(
        required=False, help_text="Default: the tenant's next bill date (else today)"
    )


class PaymentInline(TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = ("created_at", "amount", "period_start", "period_end", "method", "recorded_by")
    readonly_fields = fields
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # payments are recorded by the audited action


class TenantDomainForm(forms.ModelForm):
    class Meta:
        model = TenantDomain
        fields = ("domain", "is_primary")

    def clean_domain(self) -> str:
        domain = domain_normalize(self.cleaned_data["domain"])
        if domain is None:
            raise forms.ValidationError("Not a domain name (e.g. anime-hub.com).")
        return domain


class TenantDomainInline(TabularInline):
    model = TenantDomain
    form = TenantDomainForm
    extra = 1


@admin.register(Tenant)
class TenantAdmin(AuditedAdmin):
    ordering = ("name",)
    list_display = (
        "name",
        "primary_domain",
        "status_badge",
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
        "dashboard",
    )
    inlines = [TenantDomainInline, PaymentInline]
    fieldsets = (
        (None, {"fields": ("name", "is_default", "owner_email", "status", "dashboard")}),
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
    actions = ["suspend", "reinstate", "record_payment", "recompute_stats"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("domains")

    @admin.display(description="domain")
    def primary_domain(self, obj: Tenant) -> str:
        domains = sorted(obj.domains.all(), key=lambda d: (not d.is_primary, d.pk))
        return domains[0].domain if domains else "—"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Tenant) -> str:
        return format_html(
            '<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
            BADGES.get(obj.status, "#666"),
            obj.get_status_display(),
        )

    @admin.display(description="dashboard")
    def dashboard(self, obj: Tenant) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("admin:tenants_tenant_dashboard", args=[obj.pk])
        return format_html('<a href="{}">Visitors and bandwidth, 30 days</a>', url)

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

    def has_record_payment_permission(self, request) -> bool:
        return request.user.has_perm("tenants.record_payment")

    @admin.action(
        description="Record a payment for the selected tenants", permissions=["record_payment"]
    )
    def record_payment(self, request, queryset):
        if "apply" in request.POST:
            form = PaymentForm(request.POST)
            if form.is_valid():
                done = 0
                for tenant in queryset:
                    try:
                        _, created = services.payment_record(
                            tenant=tenant, actor=request.user, **form.cleaned_data
                        )
                        done += created
                    except ValidationError as exc:
                        self.message_user(request, f"{tenant}: {exc}", messages.ERROR)
                self.message_user(request, f"{done} payment(s) recorded.", messages.SUCCESS)
                return None
        else:
            form = PaymentForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Record a payment",
            "objects": list(queryset[:100]),
            "count": queryset.count(),
            "form": form,
            "action": "record_payment",
            "opts": self.model._meta,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/core/action_form.html", context)

    @admin.action(description="Recompute the selected tenants' stats now", permissions=["change"])
    def recompute_stats(self, request, queryset):
        for tenant in queryset:
            services.tenant_stats_recompute(tenant=tenant, actor=request.user)
        self.message_user(request, f"{queryset.count()} recomputed.", messages.SUCCESS)

    def get_urls(self):
        view = self.admin_site.admin_view(self.dashboard_view)
        return [
            path("<int:tenant_id>/dashboard/", view, name="tenants_tenant_dashboard"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request, tenant_id: int):
        tenant = get_object_or_404(Tenant, pk=tenant_id)
        if not self.has_view_permission(request, tenant):
            raise PermissionDenied
        series = daily_series(tenant=tenant)
        days = [p["day"].isoformat() for p in series]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{tenant.name}: traffic, last 30 days",
            "tenant": tenant,
            "opts": self.model._meta,
            "visitors": bar_chart(
                chart_id="tenant-visitors",
                label="visitors",
                points=list(zip(days, (p["visitors"] for p in series), strict=True)),
                color="#417690",
            ),
            "bandwidth": bar_chart(
                chart_id="tenant-bandwidth",
                label="bandwidth",
                points=list(zip(days, (p["bytes"] for p in series), strict=True)),
                color="#8e24aa",
                fmt=_size,
            ),
            "series": series,
        }
        return TemplateResponse(request, "admin/tenants/dashboard.html", context)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
