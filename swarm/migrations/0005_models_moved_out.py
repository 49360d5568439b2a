"""The models that moved to core, jobs and ingest leave swarm's state (their tables stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('swarm', '0004_job_kind_repair'),
        ('core', '0001_initial'),
        ('jobs', '0001_initial'),
        ('ingest', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already (made by the old app's migrations): state only.
            state_operations=[
                migrations.DeleteModel(
                    name='AdminAlert',
                ),
                migrations.RemoveField(
                    model_name='broadcast',
                    name='title',
                ),
                migrations.RemoveField(
                    model_name='job',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='job',
                    name='worker',
                ),
                migrations.RemoveField(
                    model_name='submission',
                    name='job',
                ),
                migrations.RemoveField(
                    model_name='submission',
                    name='reviewed_by',
                ),
                migrations.RemoveField(
                    model_name='submission',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='BlockedAttempt',
                ),
                migrations.DeleteModel(
                    name='BlockedHash',
                ),
                migrations.DeleteModel(
                    name='Broadcast',
                ),
                migrations.DeleteModel(
                    name='Job',
                ),
                migrations.DeleteModel(
                    name='Submission',
                ),
            ],
        ),
    ]
