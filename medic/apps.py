from __future__ import annotations

from django.apps import AppConfig


class MedicConfig(AppConfig):
    name = "medic"
