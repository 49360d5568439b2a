from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate

from core.beat import beat_sync_after_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Audit and alerts"

    def ready(self) -> None:
        # Once per migrate (post_migrate is sent once per app; this is core's), after every
        # app's migrations ran: the periodic tasks the apps declare get their rows.
        post_migrate.connect(beat_sync_after_migrate, sender=self, dispatch_uid="core.beat_sync")
