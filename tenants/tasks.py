"""Tenants' periodic tasks (django-celery-beat rows, ``tenants/schedule.py``): thin
wrappers over ``tenants.services`` and ``tenants.stats``; each is idempotent."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from core.edge_feed import edge_send

from . import services, stats
from .nginxlog import nginx_bytes_ingest


@shared_task(name="tenants.tasks.billing_daily", ignore_result=True)
def billing_daily() -> dict[str, int]:
    return services.billing_run()


@shared_task(name="tenants.tasks.stats_rollup", ignore_result=True)
def stats_rollup(tenant_ids: list[int] | None = None) -> int:
    return stats.stats_rollup(tenant_ids=tenant_ids)


@shared_task(name="tenants.tasks.nginx_bytes", ignore_result=True)
def nginx_bytes() -> int:
    if not settings.TENANT_NGINX_BYTES_LOG:
        return 0
    return nginx_bytes_ingest(path=settings.TENANT_NGINX_BYTES_LOG)


@shared_task(name="tenants.tasks.edge_sync", ignore_result=True)
def edge_sync() -> None:
    edge_send("hosts")  # here, or on every edge node (EDGE_FEED)
