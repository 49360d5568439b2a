from __future__ import annotations

from django.apps import AppConfig


class SwarmConfig(AppConfig):
    name = "swarm"

    def ready(self) -> None:
        from ingest import jobs as handlers  # noqa: F401  (Celery hooks; alert receiver)
