"""Celery tasks of the swarm: thin wrappers that take an id and call one service.

Job tasks are ``acks_late`` + ``reject_on_worker_lost``: the message is acknowledged only after
the job ran, so a worker that dies mid-job does not lose it. The durable state (claim, steps,
attempts) is in the Job row; see ``swarm.jobs``.
"""

from __future__ import annotations

from celery import shared_task

from . import jobs

JOB_TASK = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="swarm.tasks.heavy_run_job", **JOB_TASK)
def heavy_run_job(job_id: int) -> str:
    """Downloads, ffmpeg, mirror uploads (the ``heavy`` queue, concurrency 5)."""
    return jobs.job_run(job_id=job_id)


@shared_task(name="swarm.tasks.telegram_run_job", **JOB_TASK)
def telegram_run_job(job_id: int) -> str:
    """Operations on worker accounts (the ``telegram`` queue, which owns the clients)."""
    return jobs.job_run(job_id=job_id)


@shared_task(name="swarm.tasks.run_job", **JOB_TASK)
def run_job(job_id: int) -> str:
    return jobs.job_run(job_id=job_id)


@shared_task(name="swarm.tasks.requeue_stale_jobs", ignore_result=True)
def requeue_stale_jobs() -> int:
    """Beat: re-queue jobs whose worker died; wake accounts whose flood wait ended; forward
    unsent admin alerts."""
    from .handlers import alerts_forward
    from .workers import workers_refresh_status

    workers_refresh_status()
    alerts_forward()
    return jobs.job_requeue_stale()


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
    from .telegram.storage import storage_message_delete

    try:
        return storage_message_delete(chat_id=chat_id, message_id=message_id)
    except jobs.Requeue as exc:
        if self.request.is_eager:
            raise
        raise self.retry(countdown=exc.countdown) from exc
    except jobs.TransientError as exc:
        if self.request.is_eager:
            raise
        raise self.retry(countdown=min(600, 10 * 2 ** min(self.request.retries, 6))) from exc
