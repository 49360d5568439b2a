from __future__ import annotations

from django.apps import AppConfig


class MedicConfig(AppConfig):
    name = "medic"
    verbose_name = "Medic"

    def ready(self) -> None:
        # Services import models, which exist only once the registry is ready.
        from accounts.services.auth import guest_merger
        from medic import receivers  # noqa: F401  (connects the signal receivers)
        from medic.services.reports import reports_merge_guest

        guest_merger(reports_merge_guest)
