"""Once made this app's django-celery-beat rows. They are declared in ``swarm/schedule.py`` now
and made after every migrate (``core.beat.beat_sync``); this migration stays, empty, so the
migration graph of existing databases is unchanged."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("swarm", "0002_swarm_workers_jobs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
