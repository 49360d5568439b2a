"""The studio's periodic tasks (core.beat: rows made after every migrate; staff edit or
disable them in the admin)."""

from __future__ import annotations

from core.beat import Daily

SCHEDULE = [
    Daily("studio: prune finished tasks", "studio.tasks.prune_tasks", 50),
]
