"""The live app's periodic tasks in django-celery-beat: viewer counts of live streams every 10
seconds, seed 004's clean-up daily at 00:40 UTC (core.migration_ops.beat_rows: re-running keeps
an admin's edits)."""

from django.db import migrations

from core.migration_ops import beat_rows


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0003_chat_analytics_pages"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_rows(
            crons=[("live: clean-up", "live.tasks.cleanup", "40")],
            intervals=[("live: viewers", "live.tasks.viewers_refresh", 10)],
        )
    ]
