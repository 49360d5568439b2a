from __future__ import annotations

from django.apps import AppConfig


class SwarmConfig(AppConfig):
    name = "swarm"
    verbose_name = "Swarm"

    def ready(self) -> None:
        # Connects the Celery worker hooks; a signal module is imported once the registry is
        # ready (Django's convention), not at app import.
        from swarm import celery_hooks  # noqa: F401
