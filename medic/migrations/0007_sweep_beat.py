"""The medic's sweep in django-celery-beat: every minute it re-sends the takedowns, triages and
notices whose task an outage lost (core.migration_ops.beat_rows: re-running keeps an admin's
edits)."""

from django.db import migrations

from core.migration_ops import beat_rows


class Migration(migrations.Migration):
    dependencies = [
        ("medic", "0006_alerts_and_devices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_rows(
            crons=[],
            intervals=[("medic: re-send lost moderation work", "medic.tasks.moderation_sweep", 60)],
        )
    ]
