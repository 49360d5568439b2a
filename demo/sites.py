"""The demo sites: the main site (the default tenant, on the operator's own hosts) and three
tenants on ``*.localhost`` (browsers resolve those to this machine, so they work with
``scripts/dev.sh`` and no DNS):

- http://tenant-a.localhost:8000 — "Anime Hub": its own colour and footer, the Android app
  add-on, revenue share, the whole catalog;
- http://tenant-b.localhost:8000 — "Family Cinema": ``safe`` titles only, horror hidden, the
  DMCA shield on;
- http://tenant-c.localhost:8000 — "Closed Corner": suspended (it answers its suspension).

Safe to run twice (a tenant that exists is left alone)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import ContentRating
from tenants.models import Tenant, TenantDomain, TenantStatus

SITES: list[dict[str, Any]] = [
    {
        "domain": "tenant-a.localhost",
        "name": "Anime Hub",
        "owner_email": "owner@anime-hub.example",
        "plan": "rev_share",
        "rev_share_percent": Decimal("30"),
        "primary_color": "#7c4dff",
        "footer_links": [{"label": "Discord", "url": "https://discord.example/anime-hub"}],
        "android_app_active": True,
        "android_apk_url": "https://anime-hub.example/app.apk",
        "capacity_tier": "plus",
    },
    {
        "domain": "tenant-b.localhost",
        "name": "Family Cinema",
        "owner_email": "owner@family-cinema.example",
        "plan": "fixed_fee",
        "payment_method": "bank transfer",
        "primary_color": "#00897b",
        "allowed_ratings": [ContentRating.SAFE],
        "hidden_genres": ["horror"],
        "dmca_shield_active": True,
    },
    {
        "domain": "tenant-c.localhost",
        "name": "Closed Corner",
        "owner_email": "owner@closed-corner.example",
        "plan": "fixed_fee",
        "status": TenantStatus.SUSPENDED,
    },
]


def sites_load(stdout) -> None:
    today = timezone.localdate()
    created = 0
    with transaction.atomic():
        if not Tenant.objects.filter(is_default=True).exists():
            Tenant.objects.create(name="StreamVault", is_default=True)
        for spec in SITES:
            spec = dict(spec)
            domain = spec.pop("domain")
            if TenantDomain.objects.filter(domain=domain).exists():
                continue
            tenant = Tenant.objects.create(
                start_date=today - datetime.timedelta(days=60),
                next_bill_date=today + datetime.timedelta(days=20),
                **spec,
            )
            TenantDomain.objects.create(tenant=tenant, domain=domain, is_primary=True)
            created += 1
    stdout.write(
        f"Demo sites: {created} tenant(s) created — "
        + ", ".join(f"http://{s['domain']}:8000" for s in SITES)
    )
