from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        # Each app's jobs.py registers its handlers (@job_handler), as Celery finds tasks.py.
        autodiscover_modules("jobs")
