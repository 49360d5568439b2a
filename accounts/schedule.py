"""The accounts app's periodic tasks (core.beat: rows made after every migrate; staff edit or
disable them in the admin)."""

from __future__ import annotations

from core.beat import Every

SCHEDULE = [
    Every("accounts: purge idle guests", "accounts.guests_purge", 6 * 3600),
    Every("accounts: purge spent magic links", "accounts.magic_links_purge", 6 * 3600),
]
