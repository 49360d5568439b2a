"""The accounts' periodic tasks as django-celery-beat rows, so staff can edit them in the
admin: purge idle guests, and purge spent magic-link records. Re-running is harmless
(get_or_create by name)."""

from django.db import migrations

TASKS = {
    "accounts: purge idle guests": "accounts.guests_purge",
    "accounts: purge spent magic links": "accounts.magic_links_purge",
}


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=6, period="hours")
    for name, task in TASKS.items():
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": every, "queue": "default"}
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=TASKS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_groups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
