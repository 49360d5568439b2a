"""AuditEntry moved to core: it leaves medic's state (the table stays)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('medic', '0002_beat_schedule'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already (made by the old app's migrations): state only.
            state_operations=[
                migrations.DeleteModel(
                    name='AuditEntry',
                ),
            ],
        ),
    ]
