from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="accounts.guests_purge")
def guests_purge() -> int:
    """Beat task: delete guests idle past GUEST_IDLE_DAYS. Idempotent (a second run finds
    nothing); deletes in batches, so a run killed halfway loses nothing."""
    return services.guests_purge()
