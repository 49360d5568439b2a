"""Once made this app's django-celery-beat rows. They are declared in ``medic/schedule.py`` now
and made after every migrate (``core.beat.beat_sync``); this migration stays, empty, so the
migration graph of existing databases is unchanged."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("medic", "0006_alerts_and_devices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
