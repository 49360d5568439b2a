from __future__ import annotations

from django import template
from django.urls import reverse

from ..selectors import dashboard, pending_reports_count

register = template.Library()


@register.inclusion_tag("admin/medic/pending_badge.html")
def medic_pending_badge() -> dict:
    return {
        "count": pending_reports_count(),
        "url": reverse("admin:medic_report_changelist") + "?status__exact=pending",
    }


@register.inclusion_tag("admin/medic/dashboard.html")
def medic_dashboard() -> dict:
    return dashboard()
