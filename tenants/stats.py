"""The tenants' stats, computed from measured traffic (``tenants.traffic``, ``tenants.nginxlog``)
and payments — never typed in. ``stats_rollup`` (nightly, and the admin's "recompute now")
copies each day's Redis counters into ``TenantDailyStats`` and recomputes the cached month
figures on the tenant (a day's row only ever grows, so a Redis that lost its keys lowers
nothing): unique visitors (the union of the month's HyperLogLogs), bandwidth
(bytes our processes and nginx sent), revenue (a fixed-fee tenant's payments this month; a
revenue-share tenant's percentage of its ad-link clicks at ``AD_CLICK_VALUE`` each)."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

import redis
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from core.redis import ERRORS as REDIS_ERRORS
from core.redis import breaker
from core.redis import client as redis_client

from .models import Payment, Plan, Tenant, TenantDailyStats
from .nginxlog import nginx_bytes_ingest
from .traffic import BYTES, CLICKS, VISITORS, day_key, today, traffic_flush

log = logging.getLogger(__name__)

GB = Decimal(10**9)


def _redis() -> redis.Redis | None:
    if not settings.REDIS_URL or not breaker.closed():
        return None
    return redis_client(settings.REDIS_URL)


def _days(upto: datetime.date, count: int) -> list[datetime.date]:
    return [upto - datetime.timedelta(days=n) for n in range(count)]


def stats_rollup(*, days: int = 2, tenant_ids: list[int] | None = None) -> int:
    """Roll the last ``days`` days (today included) into the database and recompute the month
    figures of every tenant (or of ``tenant_ids``). Idempotent: a day's row is overwritten with
    the counters' current values. Returns the number of tenants computed."""
    traffic_flush()
    if settings.TENANT_NGINX_BYTES_LOG:
        nginx_bytes_ingest(path=settings.TENANT_NGINX_BYTES_LOG)
    tenants = Tenant.objects.all()
    if tenant_ids is not None:
        tenants = tenants.filter(pk__in=tenant_ids)
    client = _redis()
    done = 0
    for tenant in tenants:
        if client is not None:
            try:
                _copy_days(client, tenant, _days(today(), days))
            except REDIS_ERRORS as exc:
                breaker.trip(exc)
                log.warning("tenant %s: traffic counters unreadable (%s)", tenant.pk, exc)
                client = None
        tenant_month_compute(tenant=tenant, client=client)
        done += 1
    return done


def _copy_days(client: redis.Redis, tenant: Tenant, days: list[datetime.date]) -> None:
    pipe = client.pipeline(transaction=False)
    for day in days:
        pipe.pfcount(day_key(VISITORS, tenant.pk, day))
        pipe.get(day_key(BYTES, tenant.pk, day))
        pipe.get(day_key(CLICKS, tenant.pk, day))
    values = pipe.execute()
    for n, day in enumerate(days):
        names = ("visitors", "bytes_served", "ad_clicks")
        found = values[3 * n : 3 * n + 3]
        counted = {name: int(value or 0) for name, value in zip(names, found, strict=True)}
        row = TenantDailyStats.objects.filter(tenant=tenant, day=day).first()
        if row is None:
            if any(counted.values()):
                TenantDailyStats.objects.create(tenant=tenant, day=day, **counted)
            continue
        # Counters only grow: a Redis that lost its keys never lowers what was rolled up.
        grown = {name: max(value, getattr(row, name)) for name, value in counted.items()}
        if any(grown[name] != getattr(row, name) for name in grown):
            TenantDailyStats.objects.filter(pk=row.pk).update(**grown)


def tenant_month_compute(*, tenant: Tenant, client: Any = None) -> None:
    """This month's figures, cached on the tenant with the time they were computed."""
    now = timezone.now()
    first = today().replace(day=1)
    month = TenantDailyStats.objects.filter(tenant=tenant, day__gte=first).aggregate(
        served=Sum("bytes_served"), nginx=Sum("nginx_bytes"), clicks=Sum("ad_clicks")
    )
    visitors = tenant.monthly_visitors
    if client is not None:
        keys = [day_key(VISITORS, tenant.pk, d) for d in _days(today(), today().day)]
        try:
            visitors = int(client.pfcount(*keys))
        except REDIS_ERRORS as exc:
            breaker.trip(exc)
    sent = (month["served"] or 0) + (month["nginx"] or 0)
    if tenant.plan == Plan.FIXED_FEE:
        paid = Payment.objects.filter(tenant=tenant, created_at__date__gte=first)
        revenue = paid.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    else:
        value = Decimal(settings.AD_CLICK_VALUE) * (month["clicks"] or 0)
        revenue = value * tenant.rev_share_percent / 100
    fields = {
        "monthly_visitors": visitors,
        "bandwidth_used_gb": (Decimal(sent) / GB).quantize(Decimal("0.001")),
        "revenue_generated": revenue.quantize(Decimal("0.01")),
        "stats_computed_at": now,
    }
    # A plain UPDATE: stats do not change how a host resolves (no reload of the tenants).
    Tenant.objects.filter(pk=tenant.pk).update(**fields)
    for name, value in fields.items():
        setattr(tenant, name, value)


def daily_series(*, tenant: Tenant, days: int = 30) -> list[dict[str, Any]]:
    """The dashboard's series: one point per day, oldest first, zero-filled."""
    end = today()
    rows = {
        r.day: r
        for r in TenantDailyStats.objects.filter(
            tenant=tenant, day__gt=end - datetime.timedelta(days=days)
        )
    }
    series = []
    for day in reversed(_days(end, days)):
        row = rows.get(day)
        series.append(
            {
                "day": day,
                "visitors": row.visitors if row else 0,
                "bytes": (row.bytes_served + row.nginx_bytes) if row else 0,
            }
        )
    return series
