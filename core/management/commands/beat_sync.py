"""``manage.py beat_sync``: create the periodic tasks the apps declare (``<app>/schedule.py``)
that have no row yet. ``migrate`` runs it too."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from core.beat import beat_sync


class Command(BaseCommand):
    help = "Create the missing django-celery-beat rows the apps declare."

    def handle(self, *args, **options) -> None:
        created = beat_sync()
        for name in created:
            self.stdout.write(f"created: {name}")
        self.stdout.write(f"{len(created)} created; the others were already there.")
