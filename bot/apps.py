from __future__ import annotations

from django.apps import AppConfig


class BotConfig(AppConfig):
    name = "bot"
    verbose_name = "Manager bot"
