"""The tenants' periodic tasks in django-celery-beat: billing daily at 00:10 UTC, the stats
roll-up nightly at 00:20 UTC (it also covers yesterday), nginx's bytes log every 5 minutes
(core.migration_ops.beat_rows: re-running keeps an admin's edits)."""

from django.db import migrations

from core.migration_ops import beat_rows


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0002_stats"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_rows(
            crons=[
                ("tenants: billing", "tenants.tasks.billing_daily", "10"),
                ("tenants: stats roll-up", "tenants.tasks.stats_rollup", "20"),
            ],
            intervals=[("tenants: nginx bytes log", "tenants.tasks.nginx_bytes", 300)],
        )
    ]
