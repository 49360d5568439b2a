"""Durable jobs: the DB record behind every swarm Celery task (docs/design.md).

Life of a job::

    job_create ──on_commit──▶ <queue>_run_job(id) ──▶ job_run: claim (conditional UPDATE)
        ▲                                               │ heartbeat thread while running
        │ requeue (backoff / flood wait / stale sweep)   ▼ handler(ctx) runs its steps
        └──────────────────────────────────────── done | failed | cancelled

- The Celery message carries only the id. Tasks are ``acks_late`` with
  ``reject_on_worker_lost``: a message is acknowledged only after the job ran.
- Claiming is ``UPDATE … WHERE id=… AND status='queued'``: a duplicate delivery (a redelivered
  message after a crash, a manual retry racing the sweep) finds nothing to claim and returns.
- Each claim gets a fresh ``run_token``. Heartbeats, progress and the final status are written
  only ``WHERE run_token = <ours>``, so a run that lost the job (the sweep re-queued it, an admin
  cancelled it) notices and stops writing.
- Steps are recorded in ``steps_done``; a re-run skips them. A step whose effect is in the
  database records itself in the same transaction as the effect.
- ``job_requeue_stale`` (beat) re-queues running jobs whose heartbeat went stale (the process
  died: kill -9, OOM, power loss), up to ``max_attempts``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.queue import BROKER_ERRORS, task_get
from jobs.claims import claim_fields, claim_next
from jobs.graph import dependencies_add, graph_settle
from jobs.models import KIND_MAX_LENGTH, Job, JobStatus

log = logging.getLogger(__name__)


class PermanentError(Exception):
    """The job cannot succeed as it is (404, not a video, blocked file): fail now."""


class TransientError(Exception):
    """Worth retrying later (timeout, 5xx, connection reset): back off exponentially."""


class Requeue(Exception):
    """Run the job again after ``countdown`` seconds, not counting this attempt (a FloodWait
    re-routes the job to another account)."""

    def __init__(self, reason: str, *, countdown: float) -> None:
        super().__init__(reason)
        self.countdown = countdown


class JobLost(Exception):
    """This run no longer owns the job (re-queued elsewhere, cancelled)."""


# The Celery task that runs a job of each queue (jobs/tasks.py; routes in streamvault/celery.py).
TASK_OF_QUEUE = {
    "heavy": "jobs.tasks.heavy_run_job",
    "telegram": "jobs.tasks.telegram_run_job",
    "default": "jobs.tasks.run_job",
    # Claimed in priority order (``job_run_next``), not by the id the message carries.
    "studio": "jobs.tasks.heavy_run_next",
}
# The Celery queue each of ours is consumed from.
CELERY_QUEUE = {"studio": "heavy"}
# Queues whose messages mean "claim the best job", not "run this job".
CLAIM_NEXT = frozenset({"studio"})

Handler = Callable[["JobContext"], dict[str, Any] | None]


@dataclass(frozen=True)
class Registration:
    handler: Handler
    queue: str
    label: str


_handlers: dict[str, Registration] = {}


def job_handler(kind: str, *, label: str, queue: str = "default") -> Callable[[Handler], Handler]:
    """Register the handler of a job kind, its label (the admin shows it) and the queue its jobs
    run on. Each app declares its kinds in its ``jobs.py``; ``JobsConfig.ready`` imports those
    modules (as Celery discovers ``tasks.py``), so this module never imports the apps that use
    it, and a new kind needs no change here and no migration."""
    if queue not in TASK_OF_QUEUE:
        raise ValueError(f"unknown queue {queue!r}")
    if len(kind) > KIND_MAX_LENGTH:
        raise ValueError(f"job kind {kind!r} is longer than {KIND_MAX_LENGTH}")

    def register(fn: Handler) -> Handler:
        _handlers[kind] = Registration(fn, queue, label)
        return fn

    return register


def kinds() -> dict[str, str]:
    """Every registered kind → its label."""
    return {kind: reg.label for kind, reg in sorted(_handlers.items())}


def kind_label(kind: str) -> str:
    reg = _handlers.get(kind)
    return reg.label if reg else kind


def queue_of(kind: str) -> str:
    reg = _handlers.get(kind)
    return reg.queue if reg else "default"


# --- creating and queueing ------------------------------------------------------------------


def job_create(
    *,
    kind: str,
    payload: dict[str, Any],
    priority: int = 5,
    created_by: Any = None,
    dedupe_key: str | None = None,
    max_attempts: int | None = None,
    enqueue: bool = True,
    depends_on: list[Job] | None = None,
    scope: str = "",
) -> Job:
    """Create the job and send it once the surrounding transaction commits. With a
    ``dedupe_key`` the existing job of that key is returned instead of a second one. With
    ``enqueue=False`` nothing is sent: the caller runs it with ``job_run`` in its own process
    (the stale sweep hands it to a worker if that process dies). With ``depends_on`` it waits
    for those jobs (``jobs.graph``) and is sent when the last of them is done."""
    if dedupe_key:
        existing = Job.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    defaults = {
        "kind": kind,
        "payload": payload,
        "priority": priority,
        "created_by": created_by,
        "max_attempts": max_attempts or settings.JOB_MAX_ATTEMPTS,
        "scope": scope,
        "status": JobStatus.WAITING if depends_on else JobStatus.QUEUED,
    }
    with transaction.atomic():
        if dedupe_key:
            job, created = Job.objects.get_or_create(dedupe_key=dedupe_key, defaults=defaults)
        else:
            job, created = Job.objects.create(**defaults), True
        if created and depends_on:
            dependencies_add(job=job, depends_on=depends_on)
            if not job.depends_on.exclude(status=JobStatus.DONE).exists():
                Job.objects.filter(pk=job.pk, status=JobStatus.WAITING).update(
                    status=JobStatus.QUEUED
                )
                job.refresh_from_db()
    if created and enqueue and job.status == JobStatus.QUEUED:
        job_enqueue(job=job)
    return job


def job_enqueue(*, job: Job, countdown: float = 0) -> None:
    """Send the Celery message after commit (never inside an open transaction)."""
    queue = queue_of(job.kind)
    task = task_get(TASK_OF_QUEUE[queue])
    celery_queue = CELERY_QUEUE.get(queue, queue)
    job_id = job.id
    # Redis priorities: 0 is served first; our 10 (urgent) → 0.
    celery_priority = max(0, min(9, 10 - job.priority))

    def send() -> None:
        if task.app.conf.task_always_eager and countdown:
            # Eager mode has no clock: the job stays queued with its not_before and the
            # sweep (job_requeue_stale) sends it again later.
            log.info("eager mode: job %s left queued for %.0fs", job_id, countdown)
            return
        try:
            task.apply_async(
                args=[job_id],
                queue=celery_queue,
                countdown=countdown or None,
                priority=celery_priority,
            )
        except BROKER_ERRORS as exc:  # the job stays queued; the stale sweep sends it again
            log.warning("job %s: could not queue it now: %s", job_id, exc)

    transaction.on_commit(send)


# --- running ----------------------------------------------------------------------------------


class JobContext:
    """What a handler sees: the job row, its state, step bookkeeping, progress, ownership."""

    def __init__(self, job: Job, token: str) -> None:
        self.job = job
        self.token = token
        self.lost = threading.Event()
        self._last_progress_write = 0.0

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    @property
    def state(self) -> dict[str, Any]:
        return self.job.state

    def _mine(self):
        return Job.objects.filter(pk=self.job.pk, run_token=self.token, status=JobStatus.RUNNING)

    def check(self) -> None:
        if self.lost.is_set():
            raise JobLost(f"job {self.job.pk} is no longer ours")

    def done(self, step: str) -> bool:
        return step in self.job.steps_done

    @contextmanager
    def step(self, name: str, *, progress: int | None = None, atomic: bool = False):
        """Run a step's body and record it in ``steps_done`` (with the state). With
        ``atomic`` the body and the record share one transaction (for steps whose effect is in
        the database: either both happen or neither); otherwise the body runs outside any
        transaction (it may call HTTP or Telegram) and is recorded after. Callers skip
        recorded steps with ``ctx.done(name)``."""
        self.check()
        self._write(current_step=name)
        if atomic:
            with transaction.atomic():
                yield
                self._record(name, progress)
        else:
            yield
            self._record(name, progress)

    def _record(self, name: str, progress: int | None) -> None:
        self.check()
        self.job.steps_done = [*self.job.steps_done, name]
        fields: dict[str, Any] = {
            "steps_done": self.job.steps_done,
            "state": self.job.state,
            "heartbeat_at": timezone.now(),
        }
        if progress is not None:
            fields["progress"] = progress
            self.job.progress = progress
        if not self._mine().update(**fields):
            self.lost.set()
            raise JobLost(f"job {self.job.pk} is no longer ours")

    def save_state(self) -> None:
        if not self._mine().update(state=self.job.state, heartbeat_at=timezone.now()):
            self.lost.set()
            raise JobLost(f"job {self.job.pk} is no longer ours")

    def progress(self, percent: float, *, force: bool = False) -> None:
        """Rate-limited (once a second) progress write, which is also a heartbeat."""
        now = time.monotonic()
        if not force and now - self._last_progress_write < 1.0:
            return
        self._last_progress_write = now
        self.job.progress = int(max(0, min(100, percent)))
        self._write(progress=self.job.progress)
        self.check()

    def note(self, text: str) -> None:
        """Say what the job does or waits on now (``current_step``); also a heartbeat."""
        self._write(current_step=text[:40])

    def set_worker(self, worker_id: int | None) -> None:
        self._write(worker_id=worker_id)

    def _write(self, **fields: Any) -> None:
        fields.setdefault("heartbeat_at", timezone.now())
        if not self._mine().update(**fields):
            self.lost.set()


class _Heartbeat(threading.Thread):
    """Beats every JOB_HEARTBEAT_SECONDS; sets ``ctx.lost`` when the job is no longer
    ours (cancelled or re-queued)."""

    def __init__(self, ctx: JobContext) -> None:
        super().__init__(daemon=True, name=f"job-{ctx.job.pk}-heartbeat")
        self.ctx = ctx
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    if not self.ctx._mine().update(heartbeat_at=timezone.now()):
                        self.ctx.lost.set()
                        return
                except Exception:
                    log.exception("heartbeat of job %s failed", self.ctx.job.pk)
        finally:
            connection.close()


def job_claim(*, job_id: int) -> tuple[Job, str] | None:
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = (
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now + timedelta(seconds=1)))
        .update(**claim_fields(token, now))
    )
    if not claimed:
        return None
    return Job.objects.get(pk=job_id), token


# A ``job_run_next`` loop in this thread may keep one dependent its job releases: instead of a
# Celery message for it, the loop claims once more (a chain runs on, one publish saved per
# link). ``queue`` is the loop's queue while a job of it runs; ``kept`` says one was kept.
_continuation = threading.local()


def job_run_next(*, queue: str) -> str:
    """Claim the best queued job of ``queue`` (``jobs.claims``) and run it ("" when there is
    none). When it releases a dependent of the same queue, claim again (the best queued job,
    not necessarily that one) rather than send a message for it: each message is one claim,
    and the loop's extra claim stands for the message it did not send. The last status."""
    kinds = [kind for kind, reg in _handlers.items() if reg.queue == queue]
    status = ""
    while True:
        got = claim_next(kinds=kinds)
        if got is None:
            return status
        _continuation.queue, _continuation.kept = queue, False
        try:
            status = _run(*got)
        finally:
            kept, _continuation.queue = _continuation.kept, None
        if not kept:
            return status


def backoff_seconds(attempt: int) -> float:
    base = settings.JOB_BACKOFF_BASE * (2 ** max(0, attempt - 1))
    return min(settings.JOB_BACKOFF_MAX, base) * random.uniform(0.8, 1.2)


def job_run(*, job_id: int) -> str:
    """Claim and run one job. Returns the status it ended in ("" when not claimed)."""
    got = job_claim(job_id=job_id)
    return "" if got is None else _run(*got)


def _run(job: Job, token: str) -> str:
    ctx = JobContext(job, token)
    registration = _handlers.get(job.kind)
    beat = _Heartbeat(ctx)
    beat.start()
    try:
        if registration is None:
            raise PermanentError(f"no handler for job kind {job.kind!r}")
        result = registration.handler(ctx) or {}
        ctx.check()
        job.state = {**job.state, "result": result} if result else job.state
        _finish(ctx, status=JobStatus.DONE, progress=100, state=job.state)
        return JobStatus.DONE
    except JobLost:
        log.info("job %s: run lost ownership, stopping", job.pk)
        return ""
    except Requeue as exc:
        _requeue(ctx, str(exc), countdown=exc.countdown, count_attempt=False)
        return JobStatus.QUEUED
    except TransientError as exc:
        if job.attempts >= job.max_attempts:
            _finish(
                ctx, status=JobStatus.FAILED, last_error=f"gave up: {exc}", error_code="transient"
            )
            return JobStatus.FAILED
        _requeue(ctx, str(exc), countdown=backoff_seconds(job.attempts))
        return JobStatus.QUEUED
    except PermanentError as exc:
        _finish(ctx, status=JobStatus.FAILED, last_error=str(exc), error_code="permanent")
        return JobStatus.FAILED
    except Exception as exc:
        # A bug is not transient: retrying would repeat it. Fail with the traceback's tail.
        log.exception("job %s crashed", job.pk)
        tail = "".join(traceback.format_exception(exc)[-3:])
        error = f"{type(exc).__name__}: {exc}\n{tail}"
        _finish(ctx, status=JobStatus.FAILED, last_error=error, error_code="crash")
        return JobStatus.FAILED
    finally:
        beat.stopped.set()


def _finish(ctx: JobContext, *, status: str, **fields: Any) -> None:
    ended = ctx._mine().update(
        status=status, finished_at=timezone.now(), run_token="", current_step="", **fields
    )
    if ended:
        job_settled(job_id=ctx.job.pk, status=status, reason=fields.get("last_error", ""))


def job_settled(*, job_id: int, status: str, reason: str = "") -> None:
    """A job ended: queue the dependents it released, or cancel them (``jobs.graph``)."""
    for released in graph_settle(job_id=job_id, status=status, reason=reason):
        loop = getattr(_continuation, "queue", None)
        if loop and not _continuation.kept and queue_of(released.kind) == loop:
            _continuation.kept = True  # the job_run_next loop claims again instead
            continue
        job_enqueue(job=released)


def _requeue(ctx: JobContext, reason: str, *, countdown: float, count_attempt: bool = True):
    fields: dict[str, Any] = {
        "status": JobStatus.QUEUED,
        "run_token": "",
        "last_error": reason[:2000],
        "not_before": timezone.now() + timedelta(seconds=countdown),
    }
    if not count_attempt:
        fields["attempts"] = F("attempts") - 1
    if ctx._mine().update(**fields):
        ctx.job.refresh_from_db()
        job_enqueue(job=ctx.job, countdown=countdown)


# --- the sweep and admin operations -----------------------------------------------------------


def job_requeue_stale(*, stale_seconds: float | None = None) -> int:
    """Re-queue running jobs whose heartbeat is older than ``stale_seconds`` (their process
    died), or fail them once they used up their attempts. Also re-sends queued jobs whose
    message seems lost (queued, due, untouched for 10 stale periods)."""
    stale = stale_seconds if stale_seconds is not None else settings.JOB_STALE_SECONDS
    now = timezone.now()
    cutoff = now - timedelta(seconds=stale)
    count = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)[:500]:
        base = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, run_token=job.run_token)
        if job.attempts >= job.max_attempts:
            why = f"worker lost {job.attempts} times (last heartbeat {job.heartbeat_at})"
            if base.update(
                status=JobStatus.FAILED,
                run_token="",
                finished_at=now,
                last_error=why,
                error_code="worker_lost",
            ):
                job_settled(job_id=job.pk, status=JobStatus.FAILED, reason=why)
            continue
        if base.update(
            status=JobStatus.QUEUED,
            run_token="",
            last_error=f"worker lost during {job.current_step or 'start'}; re-queued",
        ):
            job.refresh_from_db()
            job_enqueue(job=job)
            count += 1
    lost_cutoff = now - timedelta(seconds=stale * 10)
    for job in Job.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lt=lost_cutoff),
        status=JobStatus.QUEUED,
        updated_at__lt=lost_cutoff,
    )[:500]:
        Job.objects.filter(pk=job.pk).update(updated_at=now)
        job_enqueue(job=job)
        count += 1
    return count
