"""Any write of a tenant or one of its domains (the admin's included) makes every process
reload its table of tenants (``tenants.resolve``) and re-points nginx's hosts
(``tenants.edge``)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.edge_feed import edge_active
from core.queue import task_send

from .models import Tenant, TenantDomain
from .resolve import tenants_changed


@receiver([post_save, post_delete], sender=Tenant, dispatch_uid="tenants-tenant-changed")
@receiver([post_save, post_delete], sender=TenantDomain, dispatch_uid="tenants-domain-changed")
def _changed(sender: Any, **kwargs: Any) -> None:
    tenants_changed()
    if edge_active():  # nginx's host → documents links follow (tenants.edge)
        task_send("tenants.tasks.edge_sync")
