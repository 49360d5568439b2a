"""The billing clock and payments: past the bill date a tenant goes past_due, past the grace
period suspended (its domain then answers the suspension error); a recorded payment brings it
back and moves the bill date a month on; both audited; the daily task runs on a real worker."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.models import AuditEntry
from tenants import services, tasks
from tenants.models import Payment, Tenant, TenantStatus
from tests.factories import StaffFactory
from tests.support.swarm import wait_for

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("days_late", "state"),
    [(-3, "active"), (0, "active"), (1, "past_due"), (7, "past_due"), (8, "suspended")],
)
def test_billing_state_around_the_bill_date_and_the_grace(settings, days_late, state):
    settings.TENANT_GRACE_DAYS = 7
    due = TODAY - datetime.timedelta(days=days_late)
    assert services.billing_state(next_bill_date=due, today=TODAY) == state


def test_the_billing_pass_moves_tenants_forward_only(settings, site):
    settings.TENANT_GRACE_DAYS = 7
    late = site("Late", "late.example", next_bill_date=TODAY - 2 * DAY)
    very_late = site("Very late", "very-late.example", next_bill_date=TODAY - 30 * DAY)
    paid = site("Paid", "paid.example", next_bill_date=TODAY + 10 * DAY)
    Tenant.objects.filter(is_default=True).update(next_bill_date=TODAY - 90 * DAY)
    moved = services.billing_run(today=TODAY)
    assert moved == {"past_due": 1, "suspended": 1}
    statuses = dict(Tenant.objects.values_list("name", "status"))
    assert statuses == {
        "StreamVault": "active",  # the main site is never billed
        "Late": "past_due",
        "Very late": "suspended",
        "Paid": "active",
    }
    assert services.billing_run(today=TODAY) == {"past_due": 0, "suspended": 0}  # idempotent
    rows = AuditEntry.objects.filter(actor=None).values_list("action", "target_id", "reason")
    assert sorted(rows) == sorted(
        [
            ("tenant_past_due", str(late.pk), "unpaid 2 day(s)"),
            ("tenant_suspend", str(very_late.pk), "unpaid 30 day(s)"),
        ]
    )
    assert paid.status == "active"


def test_a_payment_reinstates_and_moves_the_bill_date(
    client, site, django_capture_on_commit_callbacks
):
    tenant = site("Late", "late.example", next_bill_date=TODAY - 20 * DAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.billing_run(today=TODAY)
    suspended = client.get("/api/titles/", HTTP_HOST="late.example")
    assert suspended.status_code == 503 and suspended.json()["error"]["code"] == "site_suspended"
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        payment, created = services.payment_record(
            tenant=tenant, amount=Decimal("49.00"), method="bank transfer", actor=staff
        )
    assert created and payment.period_start == TODAY - 20 * DAY
    assert payment.period_end == datetime.date(2026, 12, 10)
    tenant.refresh_from_db()
    assert tenant.status == TenantStatus.ACTIVE
    assert tenant.next_bill_date == datetime.date(2026, 12, 11)
    assert tenant.payment_method == "bank transfer"
    assert client.get("/api/titles/", HTTP_HOST="late.example").status_code == 200
    entry = AuditEntry.objects.get(action="tenant_payment")
    assert entry.actor == staff and entry.after["payment"]["amount"] == "49.00"
    # The same period again is the same payment (a double submit).
    again, created = services.payment_record(
        tenant=tenant,
        amount=Decimal("49.00"),
        method="bank",
        actor=staff,
        period_start=payment.period_start,
    )
    assert again == payment and not created and Payment.objects.count() == 1
    for bad in ({"amount": Decimal("0")}, {"method": " "}):
        with pytest.raises(ValidationError):
            services.payment_record(
                **{
                    "tenant": tenant,
                    "amount": Decimal("1"),
                    "method": "card",
                    "actor": staff,
                    **bad,
                }
            )


def test_recording_a_payment_in_the_admin(client, site):
    tenant = site("Late", "late.example", next_bill_date=TODAY - 3 * DAY, status="past_due")
    staff = StaffFactory()
    client.force_login(staff)
    form = client.post(
        "/admin/tenants/tenant/",
        {"action": "record_payment", "_selected_action": [tenant.pk], "index": "0"},
    )
    assert form.status_code == 200 and b"Record a payment" in form.content
    done = client.post(
        "/admin/tenants/tenant/",
        {
            "action": "record_payment",
            "_selected_action": [tenant.pk],
            "index": "0",
            "apply": "1",
            "amount": "99.50",
            "method": "card",
        },
    )
    assert done.status_code == 302
    tenant.refresh_from_db()
    assert tenant.status == "active" and tenant.next_bill_date == datetime.date(2026, 12, 28)
    assert Payment.objects.get().amount == Decimal("99.50")
    page = client.get(f"/admin/tenants/tenant/{tenant.pk}/change/")
    assert page.status_code == 200 and b"99.50" in page.content


@pytest.mark.django_db(transaction=True)
def test_the_daily_billing_task_on_a_real_worker(celery_worker, site):
    assert connection.vendor == "postgresql"
    yesterday = datetime.date.today() - 2 * DAY
    tenant = site("Late", "late.example", next_bill_date=yesterday)
    tasks.billing_daily.delay()
    wait_for(
        lambda: Tenant.objects.get(pk=tenant.pk).status == TenantStatus.PAST_DUE,
        timeout=30,
        what="the worker's billing pass",
    )
    assert AuditEntry.objects.filter(action="tenant_past_due", actor=None).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_stats_roll_up_task_on_a_real_worker(celery_worker, site):
    tenant = site("Hub", "hub.example", plan="fixed_fee")
    Payment.objects.create(
        tenant=tenant,
        amount=Decimal("12.50"),
        period_start=TODAY,
        period_end=TODAY + 30 * DAY,
        method="card",
    )
    tasks.stats_rollup.delay([tenant.pk])
    wait_for(
        lambda: Tenant.objects.get(pk=tenant.pk).stats_computed_at is not None,
        timeout=30,
        what="the worker's roll-up",
    )
    assert Tenant.objects.get(pk=tenant.pk).revenue_generated == Decimal("12.50")
