"""The live app's periodic tasks in django-celery-beat: viewer counts of live streams every 10
seconds, seed 004's clean-up daily at 00:40 UTC. Re-running is harmless: get_or_create by name,
so an admin's edit is kept."""

from django.db import migrations

CRONS = [("live: clean-up", "live.tasks.cleanup", "40")]
INTERVALS = [("live: viewers", "live.tasks.viewers_refresh", 10)]


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute in CRONS:
        when, _ = Crontab.objects.get_or_create(
            minute=minute, hour="0", day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": when, "queue": "default"}
        )
    for name, task, seconds in INTERVALS:
        every, _ = Interval.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "interval": every, "queue": "default"},
        )


def remove(apps, schema_editor):
    names = [name for name, _, _ in CRONS + INTERVALS]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0003_chat_analytics_pages"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
