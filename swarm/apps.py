from __future__ import annotations

from django.apps import AppConfig


class SwarmConfig(AppConfig):
    name = "swarm"
