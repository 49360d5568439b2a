"""Periodic housekeeping (rows in django-celery-beat, made by migration 0004)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="accounts.guests_purge")
def guests_purge() -> int:
    """Delete guests idle past GUEST_IDLE_DAYS. Idempotent (a second run finds nothing);
    deletes in batches, so a run killed halfway loses nothing."""
    return services.guests_purge()


@shared_task(name="accounts.magic_links_purge")
def magic_links_purge() -> int:
    """Delete magic-link records a day past their expiry. Idempotent."""
    return services.magic_links_purge()
