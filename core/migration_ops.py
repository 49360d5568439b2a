"""Migration helpers: moving a model to another app with its table (the
``SeparateDatabaseAndState`` migrations of core, jobs and ingest), and beat rows."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def relabel_content_types(moves: dict[str, tuple[str, str]]) -> migrations.RunPython:
    """A RunPython that re-points content types (and so permissions, group grants and audit
    rows) from the old app label to the new one. ``moves``: model → (old label, new label)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, {m: (old, new) for m, (old, new) in moves.items()})

    def backwards(apps: Any, schema_editor: Any) -> None:
        _relabel(apps, {m: (new, old) for m, (old, new) in moves.items()})

    return migrations.RunPython(forwards, backwards)


def _relabel(apps: Any, moves: dict[str, tuple[str, str]]) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, (old, new) in moves.items():
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # already there (a re-run); the old one, if any, is left to stale-cleanup
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def beat_rows(
    *, crons: list[tuple[str, str, str]], intervals: list[tuple[str, str, int]]
) -> migrations.RunPython:
    """A RunPython that adds django-celery-beat rows: ``crons`` (name, task, minute of 00:xx
    UTC daily) and ``intervals`` (name, task, every N seconds), on the default queue.
    get_or_create by name, so re-running keeps an admin's edits; reversed, the rows go."""

    def create(apps: Any, schema_editor: Any) -> None:
        Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
        Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        for name, task, minute in crons:
            when, _ = Crontab.objects.get_or_create(
                minute=minute, hour="0", day_of_week="*", day_of_month="*", month_of_year="*",
                timezone="UTC",
            )  # fmt: skip
            PeriodicTask.objects.get_or_create(
                name=name, defaults={"task": task, "crontab": when, "queue": "default"}
            )
        for name, task, seconds in intervals:
            every, _ = Interval.objects.get_or_create(every=seconds, period="seconds")
            PeriodicTask.objects.get_or_create(
                name=name, defaults={"task": task, "interval": every, "queue": "default"}
            )

    def remove(apps: Any, schema_editor: Any) -> None:
        names = [row[0] for row in [*crons, *intervals]]
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()

    return migrations.RunPython(create, remove)
