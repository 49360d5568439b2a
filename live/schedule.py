"""The live app's periodic tasks (core.beat: rows made after every migrate; staff edit or
disable them in the admin)."""

from __future__ import annotations

from core.beat import Daily, Every

SCHEDULE = [
    Every("live: viewers", "live.tasks.viewers_refresh", 10),
    Daily("live: clean-up", "live.tasks.cleanup", 40),
]
