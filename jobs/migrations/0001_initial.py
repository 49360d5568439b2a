"""Job moves from swarm to jobs with its table (swarm_job)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import relabel_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('swarm', '0004_job_kind_repair'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already (made by the old app's migrations): state only.
            state_operations=[
                migrations.CreateModel(
                    name='Job',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('ingest_url', 'Ingest a URL'), ('ingest_forward', 'Index a forwarded message'), ('ingest_local', 'Ingest a file on this machine'), ('broadcast', 'Broadcast card'), ('wishlist_notify', 'Wishlist notifications'), ('notify_user', 'Direct message'), ('channel_post', 'Channel post'), ('releech', 'Re-leech a file (repair)'), ('recopy', 'Re-copy a file from its channel (repair)')], max_length=20)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=10)),
                        ('priority', models.PositiveSmallIntegerField(default=5, help_text='1 (low) … 10 (high)')),
                        ('payload', models.JSONField(blank=True, default=dict)),
                        ('state', models.JSONField(blank=True, default=dict)),
                        ('steps_done', models.JSONField(blank=True, default=list)),
                        ('current_step', models.CharField(blank=True, default='', max_length=40)),
                        ('progress', models.PositiveSmallIntegerField(default=0, help_text='Percent')),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('max_attempts', models.PositiveSmallIntegerField(default=5)),
                        ('last_error', models.TextField(blank=True, default='')),
                        ('run_token', models.CharField(blank=True, default='', editable=False, max_length=32)),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
                        ('not_before', models.DateTimeField(blank=True, help_text='Retry countdown', null=True)),
                        ('dedupe_key', models.CharField(blank=True, max_length=100, null=True, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('worker', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='jobs', to='swarm.worker')),
                    ],
                    options={
                        'db_table': 'swarm_job',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['status', 'priority'], name='job_status_priority_idx'), models.Index(fields=['status', 'heartbeat_at'], name='job_status_heartbeat_idx'), models.Index(fields=['kind', 'status'], name='job_kind_status_idx')],
                    },
                ),
            ],
        ),
        relabel_content_types({'job': ('swarm', 'jobs')}),
    ]
