"""The live app's periodic tasks (core.beat: rows made after every migrate; staff edit or
disable them in the admin)."""

from __future__ import annotations

from django.conf import settings

from core.beat import Daily, Every

SCHEDULE = [
    Every("live: viewers", "live.tasks.viewers_refresh", 10),
    Every("live: thumbnails", "live.tasks.thumbnails_take", settings.LIVE_THUMBNAIL_SECONDS),
    Daily("live: clean-up", "live.tasks.cleanup", 40),
]
