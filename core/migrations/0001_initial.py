"""AdminAlert (from swarm) and AuditEntry (from medic) move to core with their tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import relabel_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('swarm', '0004_job_kind_repair'),
        ('medic', '0002_beat_schedule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already (made by the old app's migrations): state only.
            state_operations=[
                migrations.CreateModel(
                    name='AdminAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('blocked_hash', 'Blocked hash'), ('worker_dead', 'Worker dead'), ('repair_failed', 'Repair failed'), ('no_telegram_account', 'No Telegram account'), ('other', 'Other')], max_length=20)),
                        ('message', models.TextField()),
                        ('payload', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'swarm_adminalert',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['sent_at', 'created_at'], name='adminalert_unsent_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('actor_repr', models.CharField(max_length=150)),
                        ('action', models.CharField(db_index=True, max_length=40)),
                        ('target_id', models.CharField(max_length=40)),
                        ('target_repr', models.CharField(max_length=300)),
                        ('before', models.JSONField(blank=True, default=dict)),
                        ('after', models.JSONField(blank=True, default=dict)),
                        ('reason', models.CharField(blank=True, default='', max_length=500)),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('target_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype')),
                    ],
                    options={
                        'verbose_name_plural': 'audit entries',
                        'db_table': 'medic_auditentry',
                        'ordering': ['-at', '-id'],
                        'indexes': [models.Index(fields=['target_type', 'target_id'], name='audit_target_idx')],
                    },
                ),
            ],
        ),
        relabel_content_types({'adminalert': ('swarm', 'core'), 'auditentry': ('medic', 'core')}),
    ]
