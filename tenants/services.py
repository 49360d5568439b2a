"""What staff and the billing clock do to a tenant: suspend and reinstate it by hand, record a
payment, move an unpaid tenant to ``past_due`` and then ``suspended``. Each takes ``actor``
(None: the billing clock), writes one audit row and is idempotent."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record

from .models import Payment, Tenant, TenantStatus
from .resolve import tenants_changed
from .stats import stats_rollup

ACTIONS = {
    TenantStatus.SUSPENDED: "tenant_suspend",
    TenantStatus.ACTIVE: "tenant_reinstate",
    TenantStatus.PAST_DUE: "tenant_past_due",
}


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
        action=ACTIONS[TenantStatus(status)],
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


def billing_state(*, next_bill_date: datetime.date | None, today: datetime.date) -> str:
    """Where the billing clock puts a tenant: active until ``next_bill_date``, past_due after
    it, suspended once ``TENANT_GRACE_DAYS`` more have gone by unpaid."""
    if next_bill_date is None or today <= next_bill_date:
        return TenantStatus.ACTIVE
    if (today - next_bill_date).days > settings.TENANT_GRACE_DAYS:
        return TenantStatus.SUSPENDED
    return TenantStatus.PAST_DUE


def billing_run(*, today: datetime.date | None = None) -> dict[str, int]:
    """The daily billing pass (beat): tenants past their bill date go ``past_due``, then
    ``suspended`` after the grace period. It only ever moves a tenant forward — a payment
    (``payment_record``) brings it back — and never touches the main site. Returns how many
    moved to each state."""
    today = today or timezone.localdate()
    moved = {TenantStatus.PAST_DUE.value: 0, TenantStatus.SUSPENDED.value: 0}
    overdue = Tenant.objects.filter(is_default=False, next_bill_date__lt=today).exclude(
        status=TenantStatus.SUSPENDED
    )
    for tenant in overdue:
        state = billing_state(next_bill_date=tenant.next_bill_date, today=today)
        if state == TenantStatus.SUSPENDED or tenant.status == TenantStatus.ACTIVE:
            days = (today - tenant.next_bill_date).days
            changed = tenant_set_status(
                tenant=tenant, status=state, actor=None, reason=f"unpaid {days} day(s)"
            )
            moved[state] += changed
    return moved


@transaction.atomic
def payment_record(
    *,
    tenant: Tenant,
    amount: Decimal,
    method: str,
    actor: Any,
    period_start: datetime.date | None = None,
) -> tuple[Payment, bool]:
    """Record one month's payment: a ``Payment`` row for the period from ``period_start``
    (default: the tenant's bill date, else today), the next bill date a month on, and the
    tenant active again. The same period recorded twice is one payment (``created`` False)."""
    if amount <= 0:
        raise ValidationError({"amount": "A payment is a positive amount."})
    method = (method or "").strip()
    if not method:
        raise ValidationError({"method": "Say how it was paid."})
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    start = period_start or locked.next_bill_date or timezone.localdate()
    existing = Payment.objects.filter(tenant=locked, period_start=start).first()
    if existing is not None:
        return existing, False
    end = start + relativedelta(months=1)
    payment = Payment.objects.create(
        tenant=locked,
        amount=amount,
        period_start=start,
        period_end=end - datetime.timedelta(days=1),
        method=method[:40],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    before = {"status": locked.status, "next_bill_date": str(locked.next_bill_date)}
    fields: dict[str, Any] = {"status": TenantStatus.ACTIVE, "next_bill_date": end}
    if not locked.payment_method:
        fields["payment_method"] = method[:40]
    if locked.start_date is None:
        fields["start_date"] = start
    Tenant.objects.filter(pk=locked.pk).update(**fields)
    for name, value in fields.items():
        setattr(tenant, name, value)
    audit_record(
        actor=actor,
        action="tenant_payment",
        target=tenant,
        before=before,
        after={
            "status": TenantStatus.ACTIVE,
            "next_bill_date": str(end),
            "payment": {"amount": str(amount), "period_start": str(start), "method": method},
        },
    )
    tenants_changed()
    return payment, True


def tenant_stats_recompute(*, tenant: Tenant, actor: Any) -> None:
    """Recompute the tenant's stats now (the admin's button), audited."""
    before = {
        "monthly_visitors": tenant.monthly_visitors,
        "bandwidth_used_gb": str(tenant.bandwidth_used_gb),
        "revenue_generated": str(tenant.revenue_generated),
    }
    stats_rollup(tenant_ids=[tenant.pk])
    tenant.refresh_from_db()
    audit_record(
        actor=actor,
        action="tenant_stats_recompute",
        target=tenant,
        before=before,
        after={
            "monthly_visitors": tenant.monthly_visitors,
            "bandwidth_used_gb": str(tenant.bandwidth_used_gb),
            "revenue_generated": str(tenant.revenue_generated),
        },
    )
