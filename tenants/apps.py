from __future__ import annotations

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self) -> None:
        # Connects the signal receivers and registers the traffic meter.
        from tenants import receivers, traffic  # noqa: F401
