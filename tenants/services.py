"""What staff do to a tenant: suspend and reinstate it by hand. Each takes ``actor``, writes
one audit row and is idempotent."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.audit import audit_record

from .models import Tenant, TenantStatus
from .resolve import tenants_changed


@transaction.atomic
def tenant_set_status(*, tenant: Tenant, status: str, actor: Any, reason: str = "") -> bool:
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if locked.status == status:
        return False
    before = locked.status
    Tenant.objects.filter(pk=tenant.pk).update(status=status)
    tenant.status = status
    audit_record(
        actor=actor,
        action="tenant_suspend" if status == TenantStatus.SUSPENDED else "tenant_reinstate",
        target=tenant,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )
    tenants_changed()
    return True


def tenant_suspend(*, tenant: Tenant, actor: Any, reason: str = "") -> bool:
    return tenant_set_status(
        tenant=tenant, status=TenantStatus.SUSPENDED, actor=actor, reason=reason
    )


def tenant_reinstate(*, tenant: Tenant, actor: Any, reason: str = "") -> bool:
    return tenant_set_status(tenant=tenant, status=TenantStatus.ACTIVE, actor=actor, reason=reason)
