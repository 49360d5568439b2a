"""A job's kind is registered by the app that owns it (no choices here, so a new kind needs no
migration), and the account a job used is a plain id: jobs holds no foreign key up to the swarm.

The column (``worker_id``) and its index stay; only the foreign-key constraint goes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0004_rendition_kind"),
    ]

    operations = [
        # Drop the constraint, keep the column and its index.
        migrations.AlterField(
            model_name="job",
            name="worker",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_constraint=False,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="jobs",
                to="swarm.worker",
            ),
        ),
        # The same column, now a plain integer field named worker_id.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="job", name="worker"),
                migrations.AddField(
                    model_name="job",
                    name="worker_id",
                    field=models.BigIntegerField(blank=True, db_index=True, null=True),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterField(
            model_name="job",
            name="kind",
            field=models.CharField(max_length=40),
        ),
    ]
