"""Medic services (every medic write). Import from here: ``from medic import services``."""

from __future__ import annotations

from .health import links_check_mirrors, links_health_batch
from .repair import repair_give_up, repair_open, repair_step, repairs_due
from .report_repair import report_start_repair
from .reports import (
    report_attach_check,
    report_create,
    report_ignore,
    report_mark_fixed,
    report_notify,
    reports_fix_for_target,
)
from .takedown import (
    takedown_execute,
    takedown_incomplete,
    takedown_mirrors_by_hand,
    takedown_run_again,
    title_restore,
    title_takedown,
)
from .triage import report_triage

__all__ = [
    "links_check_mirrors",
    "links_health_batch",
    "repair_give_up",
    "repair_open",
    "repair_step",
    "repairs_due",
    "report_attach_check",
    "report_create",
    "report_ignore",
    "report_mark_fixed",
    "report_notify",
    "report_start_repair",
    "report_triage",
    "reports_fix_for_target",
    "takedown_execute",
    "takedown_incomplete",
    "takedown_mirrors_by_hand",
    "takedown_run_again",
    "title_restore",
    "title_takedown",
]
