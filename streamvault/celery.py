"""The Celery app. Queues: ``default`` (light), ``heavy`` (downloads, ffmpeg, zips; run it with
concurrency 5) and ``telegram`` (operations on worker accounts)."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")

app = Celery("streamvault")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("heavy"), Queue("telegram"))
app.conf.task_default_queue = "default"
app.conf.task_routes = {
    "jobs.tasks.heavy_*": {"queue": "heavy"},
    "jobs.tasks.telegram_*": {"queue": "telegram"},
    "swarm.tasks.telegram_*": {"queue": "telegram"},
}
app.autodiscover_tasks()
