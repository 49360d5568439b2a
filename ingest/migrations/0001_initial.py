"""BlockedHash, BlockedAttempt, Submission and Broadcast move from swarm to ingest with their
tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.migration_ops import relabel_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0005_image_ref_indexes'),
        ('jobs', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('swarm', '0004_job_kind_repair'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already (made by the old app's migrations): state only.
            state_operations=[
                migrations.CreateModel(
                    name='BlockedHash',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sha256', models.CharField(max_length=64, unique=True)),
                        ('reason', models.CharField(blank=True, default='', max_length=300)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'verbose_name': 'blocked hash',
                        'db_table': 'swarm_blockedhash',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='BlockedAttempt',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(blank=True, default='', help_text='Path or URL', max_length=500)),
                        ('size_bytes', models.PositiveBigIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('blocked', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempts', to='ingest.blockedhash')),
                    ],
                    options={
                        'db_table': 'swarm_blockedattempt',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Broadcast',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('chat_id', models.BigIntegerField(blank=True, null=True)),
                        ('message_id', models.BigIntegerField(blank=True, null=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('title', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.title')),
                    ],
                    options={
                        'db_table': 'swarm_broadcast',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Submission',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('url', models.URLField(max_length=1000)),
                        ('title_hint', models.CharField(blank=True, default='', max_length=200)),
                        ('status', models.CharField(choices=[('pending', 'Pending review'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='pending', max_length=10)),
                        ('reject_reason', models.CharField(blank=True, default='', max_length=300)),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('notified_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('job', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='submissions', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'swarm_submission',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['status', 'created_at'], name='submission_status_idx'), models.Index(fields=['user', '-created_at'], name='submission_user_idx')],
                    },
                ),
            ],
        ),
        relabel_content_types({'blockedhash': ('swarm', 'ingest'), 'blockedattempt': ('swarm', 'ingest'), 'submission': ('swarm', 'ingest'), 'broadcast': ('swarm', 'ingest')}),
    ]
