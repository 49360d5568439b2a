"""The swarm's periodic task keeps what is the swarm's (wake accounts whose flood wait ended,
forward unsent admin alerts); the job sweep moved to the jobs app's own row."""

from django.db import migrations

OLD_NAME = "swarm: requeue stale jobs, wake accounts, forward alerts"
OLD_TASK = "swarm.tasks.requeue_stale_jobs"
NAME = "swarm: wake accounts, forward alerts"
TASK = "swarm.tasks.swarm_housekeeping"


def forwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=OLD_TASK).update(name=NAME, task=TASK)


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task=TASK).update(name=OLD_NAME, task=OLD_TASK)


class Migration(migrations.Migration):
    dependencies = [
        ("swarm", "0005_models_moved_out"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
