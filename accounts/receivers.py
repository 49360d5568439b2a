"""What accounts does on Django's own signals: a staff or admin login from a device not seen
before raises an admin alert (the admins' channel gets it)."""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db import IntegrityError, transaction
from django.dispatch import receiver

from core.alerts import alert_raise
from core.models import AdminAlert

from .drf import client_ip
from .models import Role, StaffDevice


def _network(ip: str | None) -> str:
    """The client's network (/24 for IPv4, /48 for IPv6): a new address from the same place
    is the same device."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


@receiver(user_logged_in, dispatch_uid="accounts-staff-new-device")
def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or not (user.is_staff or user.role == Role.ADMIN):
        return
    agent = request.META.get("HTTP_USER_AGENT", "")[:200]
    network = _network(client_ip(request))
    device = hashlib.sha256(f"{agent}|{network}".encode()).hexdigest()
    try:
        with transaction.atomic():
            StaffDevice.objects.create(
                user=user, device_hash=device, user_agent=agent, network=network
            )
    except IntegrityError:  # seen before
        StaffDevice.objects.filter(user=user, device_hash=device).update(user_agent=agent)
        return
    alert_raise(
        kind=AdminAlert.Kind.ADMIN_LOGIN,
        message=f"Admin login from a new device: {user.username} ({agent[:80] or 'no browser'}, "
        f"{network or 'unknown network'})",
        payload={"user_id": user.pk, "network": network},
    )
