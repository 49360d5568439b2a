"""The swarm app's periodic tasks (core.beat: rows made after every migrate; staff edit or
disable them in the admin)."""

from __future__ import annotations

from core.beat import Every

SCHEDULE = [
    Every("swarm: wake accounts, forward alerts", "swarm.tasks.swarm_housekeeping", 30),
]
