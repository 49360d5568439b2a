"""The swarm's periodic task in django-celery-beat, so its interval is editable in the admin:
every 30 s, re-queue jobs whose worker died, wake accounts whose flood wait ended and forward
unsent admin alerts. Re-running is harmless (get_or_create by name)."""

from django.db import migrations

NAME = "swarm: requeue stale jobs, wake accounts, forward alerts"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=30, period="seconds")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "swarm.tasks.requeue_stale_jobs", "interval": every, "queue": "default"},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("swarm", "0002_swarm_workers_jobs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
