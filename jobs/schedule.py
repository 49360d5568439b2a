"""The jobs app's periodic tasks (core.beat: rows made after every migrate; staff edit or
disable them in the admin)."""

from __future__ import annotations

from core.beat import Every

SCHEDULE = [
    Every("jobs: requeue stale jobs", "jobs.tasks.requeue_stale_jobs", 30),
]
