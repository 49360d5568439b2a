"""Admin alerts: events the admins must see (a blocked file at ingest, a dead account, a repair
that failed, a Telegram operation with no account to run it). Listed in the admin; the swarm
posts each one to the admin_alerts channel."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.models import AdminAlert
from core.signals import admin_alert


@transaction.atomic
def alert_raise(*, kind: str, message: str, payload: dict[str, Any] | None = None) -> AdminAlert:
    """Record an alert; listeners of ``core.signals.admin_alert`` get it after commit."""
    alert = AdminAlert.objects.create(kind=kind, message=message, payload=payload or {})
    transaction.on_commit(lambda: admin_alert.send(sender=AdminAlert, alert=alert))
    return alert
