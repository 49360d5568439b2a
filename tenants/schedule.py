"""The tenants app's periodic tasks (core.beat: rows made after every migrate; staff edit or
disable them in the admin)."""

from __future__ import annotations

from core.beat import Daily, Every

SCHEDULE = [
    Daily("tenants: billing", "tenants.tasks.billing_daily", 10),
    Daily("tenants: stats roll-up", "tenants.tasks.stats_rollup", 20),
    Every("tenants: nginx bytes log", "tenants.tasks.nginx_bytes", 300),
]
