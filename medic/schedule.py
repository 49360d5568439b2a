"""The medic app's periodic tasks (core.beat: rows made after every migrate; staff edit or
disable them in the admin)."""

from __future__ import annotations

from core.beat import Every

SCHEDULE = [
    Every("medic: link health batch", "medic.tasks.links_health_batch", 15 * 60),
    Every("medic: resume open repairs", "medic.tasks.repairs_resume", 10 * 60),
    Every("medic: re-send lost moderation work", "medic.tasks.moderation_sweep", 60),
]
