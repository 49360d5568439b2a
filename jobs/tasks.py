"""Celery tasks that run jobs: thin wrappers that take an id and call the engine.

Job tasks are ``acks_late`` + ``reject_on_worker_lost``: the message is acknowledged only after
the job ran, so a worker that dies mid-job does not lose it. The durable state (claim, steps,
attempts) is in the Job row; see ``jobs.engine``.
"""

from __future__ import annotations

from celery import shared_task

from jobs import engine

JOB_TASK = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="jobs.tasks.heavy_run_job", **JOB_TASK)
def heavy_run_job(job_id: int) -> str:
    """Downloads, ffmpeg, mirror uploads (the ``heavy`` queue, concurrency 5)."""
    return engine.job_run(job_id=job_id)


@shared_task(name="jobs.tasks.telegram_run_job", **JOB_TASK)
def telegram_run_job(job_id: int) -> str:
    """Operations on worker accounts (the ``telegram`` queue, which owns the clients)."""
    return engine.job_run(job_id=job_id)


@shared_task(name="jobs.tasks.heavy_run_next", **JOB_TASK)
def heavy_run_next(job_id: int) -> str:
    """Studio generation on the ``heavy`` workers: each message claims the best queued job of
    the ``studio`` queue (priority, then age) — not necessarily ``job_id``, which only says a
    job was queued."""
    return engine.job_run_next(queue="studio")


@shared_task(name="jobs.tasks.run_job", **JOB_TASK)
def run_job(job_id: int) -> str:
    return engine.job_run(job_id=job_id)


@shared_task(name="jobs.tasks.requeue_stale_jobs", ignore_result=True)
def requeue_stale_jobs() -> int:
    """Beat: re-queue jobs whose worker died (stale heartbeat) and jobs whose countdown ended."""
    return engine.job_requeue_stale()
