"""Once made this app's django-celery-beat rows. They are declared in ``live/schedule.py`` now
and made after every migrate (``core.beat.beat_sync``); this migration stays, empty, so the
migration graph of existing databases is unchanged."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("live", "0003_chat_analytics_pages"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = []
