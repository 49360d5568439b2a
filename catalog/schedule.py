"""The catalog's periodic tasks (core.beat: rows made after every migrate)."""

from __future__ import annotations

from core.beat import Every

SCHEDULE = [Every("catalog: views", "catalog.plays_flush", 60)]
