"""Celery tasks of the swarm: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from jobs.engine import Requeue, TransientError
from swarm.jobs import alerts_forward
from swarm.storage.delete import storage_message_delete
from swarm.telegram import remote
from swarm.workers import workers_refresh_status


@shared_task(name="swarm.tasks.swarm_housekeeping", ignore_result=True)
def swarm_housekeeping() -> int:
    """Beat: wake accounts whose flood wait ended and forward unsent admin alerts (those raised
    while no admin_alerts channel existed, or whose signal was lost). Returns alerts queued."""
    workers_refresh_status()
    return alerts_forward()


@shared_task(
    name="swarm.tasks.telegram_delete_message",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=100,
)
def telegram_delete_message(self, chat_id: int, message_id: int) -> str:
    """Delete a storage-channel message through a leased ingest account (a takedown; the
    ``telegram`` queue holds the accounts). "deleted" or "absent" (already gone). A flood wait
    retries after the wait, other Telegram errors with backoff; eager mode does not retry."""
    try:
        return storage_message_delete(chat_id=chat_id, message_id=message_id)
    except Requeue as exc:
        if self.request.is_eager:
            raise
        raise self.retry(countdown=exc.countdown) from exc
    except TransientError as exc:
        if self.request.is_eager:
            raise
        raise self.retry(countdown=min(600, 10 * 2 ** min(self.request.retries, 6))) from exc


# Storage for processes that hold no account (swarm.telegram.remote): the caller waits for the
# answer, so these neither retry nor raise; a lost answer is the caller's transient error.
@shared_task(name="swarm.tasks.telegram_upload")
def telegram_upload(path: str, file_name: str) -> dict:
    return remote.upload(path=path, file_name=file_name)


@shared_task(name="swarm.tasks.telegram_read")
def telegram_read(ref: str, start: int, end: int, dest: str) -> dict:
    return remote.read_range(ref=ref, start=start, end=end, dest=dest)


@shared_task(name="swarm.tasks.telegram_size")
def telegram_size(ref: str) -> dict:
    return remote.size(ref=ref)
