from __future__ import annotations

from django.apps import AppConfig


class SwarmConfig(AppConfig):
    name = "swarm"

    def ready(self) -> None:
        from . import celery_hooks, handlers  # noqa: F401  (Celery hooks; alert receiver)
