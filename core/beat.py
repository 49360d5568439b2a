"""The periodic tasks, declared in one place per app and made rows of django-celery-beat.

Each app that has periodic work lists it in ``<app>/schedule.py`` as ``SCHEDULE`` (``Every`` and
``Daily`` entries). ``beat_sync`` runs after every ``migrate`` (and as ``manage.py beat_sync``)
and creates the rows that are missing, by name: staff edit a row's interval in the admin or
disable it (``enabled``), and the edit is kept; a new entry needs no migration.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.db import transaction


@dataclass(frozen=True)
class Every:
    """Run ``task`` every ``seconds``."""

    name: str
    task: str
    seconds: int


@dataclass(frozen=True)
class Daily:
    """Run ``task`` once a day at 00:``minute`` UTC."""

    name: str
    task: str
    minute: int


def schedules() -> list[Every | Daily]:
    """Every installed app's ``schedule.SCHEDULE``, in the order of INSTALLED_APPS."""
    found: list[Every | Daily] = []
    for config in global_apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.schedule")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.schedule":
                raise
            continue
        found += module.SCHEDULE
    return found


def beat_sync(*, apps: Any = global_apps) -> list[str]:
    """Create the beat rows that are missing (by name) on the default queue; return their names.
    Existing rows are left as staff set them."""
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    created = []
    with transaction.atomic():
        for entry in schedules():
            if PeriodicTask.objects.filter(name=entry.name).exists():
                continue
            when: dict[str, Any]
            if isinstance(entry, Every):
                every, _ = Interval.objects.get_or_create(every=entry.seconds, period="seconds")
                when = {"interval": every}
            else:
                cron, _ = Crontab.objects.get_or_create(
                    minute=str(entry.minute), hour="0", day_of_week="*", day_of_month="*",
                    month_of_year="*", timezone="UTC",
                )  # fmt: skip
                when = {"crontab": cron}
            PeriodicTask.objects.create(name=entry.name, task=entry.task, queue="default", **when)
            created.append(entry.name)
    return created


def beat_sync_after_migrate(*, apps: Any = global_apps, **_: Any) -> None:
    """post_migrate receiver (core.apps): once the tables exist, the rows do too."""
    beat_sync(apps=apps)
