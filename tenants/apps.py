from __future__ import annotations

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self) -> None:
        # Connects the signal receivers, registers the traffic meter and the "hosts" edge kind.
        from tenants import edge, receivers, traffic  # noqa: F401
