"""Worker-account services: sessions, leasing, flood waits, error accounting (docs/design.md).

``worker_lease(role=…)`` is the only way an operation gets an account::

    with worker_lease(role="ingest", task=f"job {job.id}") as lease:
        try:
            gateway_call(lease.worker_id, …)
        except FloodWait as exc:
            lease.flood_wait(exc.seconds)   # park the account, release, re-route the job
            raise
        lease.success()
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.alerts import alert_raise
from core.audit import audit_record
from core.models import AdminAlert
from swarm.models import Worker, WorkerRole, WorkerStatus

from .crypto import secret_decrypt, secret_encrypt
from .rotation import lease_hold, lease_store

log = logging.getLogger(__name__)


class NoWorkerAvailable(Exception):
    """Every account of the role is dead, paused, parked or at its limit."""

    def __init__(self, role: str, retry_after: float | None) -> None:
        hint = f"; one is back in {retry_after:.0f}s" if retry_after is not None else ""
        super().__init__(f"no {role} account is free{hint}")
        self.role = role
        self.retry_after = retry_after


# --- sessions -------------------------------------------------------------------------------


def worker_set_session(*, worker: Worker, session_string: str, proxy: str | None = None) -> Worker:
    """Store the session (and the proxy URL, which may carry a password) encrypted."""
    worker.session_encrypted = secret_encrypt(plain=session_string)
    fields = ["session_encrypted"]
    if proxy is not None:
        worker.proxy_encrypted = secret_encrypt(plain=proxy)
        fields.append("proxy_encrypted")
    worker.save(update_fields=fields)
    return worker


def worker_session(*, worker: Worker) -> str:
    return secret_decrypt(token=worker.session_encrypted)


def worker_proxy(*, worker: Worker) -> str:
    return secret_decrypt(token=worker.proxy_encrypted)


# --- health -------------------------------------------------------------------------------


def workers_healthy(*, role: str, ids: Iterable[int] | None = None):
    now = timezone.now()
    qs = Worker.objects.filter(role=role, enabled=True).exclude(status=WorkerStatus.DEAD)
    qs = qs.filter(Q(flood_wait_until__isnull=True) | Q(flood_wait_until__lte=now))
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    return qs


def _next_free_in(role: str) -> float | None:
    """Seconds until the earliest parked account of the role comes back (None: none is
    parked, so waiting will not help)."""
    soonest = (
        Worker.objects.filter(role=role, enabled=True, flood_wait_until__gt=timezone.now())
        .exclude(status=WorkerStatus.DEAD)
        .order_by("flood_wait_until")
        .values_list("flood_wait_until", flat=True)
        .first()
    )
    if soonest is None:
        return None
    return max(1.0, (soonest - timezone.now()).total_seconds())


def worker_flood_wait(*, worker_id: int, seconds: float) -> None:
    """Park the account for ``seconds``: Redis first (every process stops leasing it at
    once), then the row for the admin."""
    lease_store().park(str(worker_id), seconds)
    until = timezone.now() + datetime.timedelta(seconds=seconds)
    Worker.objects.filter(pk=worker_id).exclude(status=WorkerStatus.DEAD).update(
        status=WorkerStatus.FLOOD_WAIT, flood_wait_until=until
    )
    log.warning("worker %s parked for %ss (FloodWait)", worker_id, seconds)


def worker_record_success(*, worker_id: int, uploads: int = 0) -> None:
    Worker.objects.filter(pk=worker_id).update(
        error_count=0,
        total_uploads=F("total_uploads") + uploads,
        last_active_at=timezone.now(),
    )


def worker_record_error(*, worker_id: int, error: str) -> bool:
    """Count a consecutive error; past the threshold the account dies (and the admins are
    alerted). Returns True when this error killed it."""
    Worker.objects.filter(pk=worker_id).update(
        error_count=F("error_count") + 1, last_error=error[:2000], last_active_at=timezone.now()
    )
    killed = (
        Worker.objects.filter(pk=worker_id, error_count__gt=settings.SWARM_DEAD_AFTER_ERRORS)
        .exclude(status=WorkerStatus.DEAD)
        .update(status=WorkerStatus.DEAD)
    )
    if killed:
        lease_store().mark_dead(str(worker_id))
        name = Worker.objects.filter(pk=worker_id).values_list("name", flat=True).first()
        alert_raise(
            kind=AdminAlert.Kind.WORKER_DEAD,
            message=f"Worker {name} is dead after {settings.SWARM_DEAD_AFTER_ERRORS}+ "
            f"consecutive errors. Last: {error[:200]}",
            payload={"worker_id": worker_id},
        )
    return bool(killed)


def _audit(worker: Worker, *, actor: Any, action: str, before: dict, after: dict) -> None:
    audit_record(actor=actor, action=action, target=worker, before=before, after=after)


@transaction.atomic
def worker_reset_errors(*, worker: Worker, actor: Any) -> bool:
    before = Worker.objects.filter(pk=worker.pk).values("error_count", "last_error").first()
    changed = (
        Worker.objects.filter(pk=worker.pk)
        .exclude(error_count=0, last_error="")
        .update(error_count=0, last_error="")
    )
    worker.error_count, worker.last_error = 0, ""
    if changed:
        _audit(
            worker,
            actor=actor,
            action="worker_reset_errors",
            before={"error_count": (before or {}).get("error_count")},
            after={"error_count": 0},
        )
    return bool(changed)


@transaction.atomic
def worker_set_enabled(*, worker: Worker, enabled: bool, actor: Any) -> bool:
    changed = Worker.objects.filter(pk=worker.pk).exclude(enabled=enabled).update(enabled=enabled)
    worker.enabled = enabled
    if changed:
        _audit(
            worker,
            actor=actor,
            action="worker_resume" if enabled else "worker_pause",
            before={"enabled": not enabled},
            after={"enabled": enabled},
        )
    return bool(changed)


@transaction.atomic
def worker_mark_dead(*, worker: Worker, actor: Any = None) -> bool:
    """Dead: never leased again until revived. ``actor`` None is the system (a revoked
    session); an admin's call is audited too."""
    before = Worker.objects.filter(pk=worker.pk).values_list("status", flat=True).first()
    changed = (
        Worker.objects.filter(pk=worker.pk)
        .exclude(status=WorkerStatus.DEAD)
        .update(status=WorkerStatus.DEAD)
    )
    lease_store().mark_dead(str(worker.pk))
    worker.status = WorkerStatus.DEAD
    if changed:
        _audit(
            worker,
            actor=actor,
            action="worker_mark_dead",
            before={"status": before},
            after={"status": WorkerStatus.DEAD},
        )
    return bool(changed)


@transaction.atomic
def worker_revive(*, worker: Worker, actor: Any) -> bool:
    """Back to active with a clean error count (after an admin fixed the session)."""
    row = Worker.objects.filter(pk=worker.pk).values("status", "error_count").first()
    lease_store().revive(str(worker.pk))
    lease_store().unpark(str(worker.pk))
    Worker.objects.filter(pk=worker.pk).update(
        status=WorkerStatus.ACTIVE, error_count=0, flood_wait_until=None
    )
    worker.status, worker.error_count = WorkerStatus.ACTIVE, 0
    if row is None or (row["status"] == WorkerStatus.ACTIVE and row["error_count"] == 0):
        return False
    _audit(
        worker,
        actor=actor,
        action="worker_revive",
        before={"status": row["status"], "error_count": row["error_count"]},
        after={"status": WorkerStatus.ACTIVE, "error_count": 0},
    )
    return True


def workers_refresh_status() -> int:
    """Accounts whose flood wait is over become active again (run by the beat sweep)."""
    return Worker.objects.filter(
        status=WorkerStatus.FLOOD_WAIT, flood_wait_until__lte=timezone.now()
    ).update(status=WorkerStatus.ACTIVE, flood_wait_until=None)


def worker_loads(*, worker_ids: Iterable[int]) -> dict[int, int]:
    ids = [str(i) for i in worker_ids]
    try:
        return {int(k): v for k, v in lease_store().loads(ids).items()}
    except Exception:  # the admin still renders when Redis is down
        log.exception("could not read worker loads")
        return {}


# --- leasing ------------------------------------------------------------------------------


@dataclass
class Lease:
    worker_id: int
    lease_id: str
    load: int
    _flooded: bool = False

    def flood_wait(self, seconds: float) -> None:
        self._flooded = True
        worker_flood_wait(worker_id=self.worker_id, seconds=seconds)

    def success(self, *, uploads: int = 0) -> None:
        worker_record_success(worker_id=self.worker_id, uploads=uploads)

    def error(self, error: str) -> bool:
        return worker_record_error(worker_id=self.worker_id, error=error)


@contextlib.contextmanager
def worker_lease(
    *, role: str = WorkerRole.INGEST, task: str = "", among: Iterable[int] | None = None
) -> Iterator[Lease]:
    """Lease the least-loaded healthy account of ``role`` (restricted to ``among``, the
    accounts this process has clients for). Raises NoWorkerAvailable."""
    rows = list(workers_healthy(role=role, ids=among).values_list("id", "max_load"))
    candidates = [(str(pk), limit) for pk, limit in rows]
    with lease_hold(lease_store(), candidates, ttl=settings.SWARM_LEASE_TTL) as acquired:
        if acquired is None:
            # Healthy accounts at their limit free up in seconds; otherwise wait for the
            # first flood wait to end (or give up when every account is dead).
            raise NoWorkerAvailable(role, 2.0 if candidates else _next_free_in(role))
        worker_id = int(acquired.account)
        Worker.objects.filter(pk=worker_id).exclude(status=WorkerStatus.DEAD).update(
            status=WorkerStatus.BUSY, current_task=task[:200], last_active_at=timezone.now()
        )
        lease = Lease(worker_id, acquired.lease_id, acquired.load)
        try:
            yield lease
        finally:
            if not lease._flooded:
                Worker.objects.filter(pk=worker_id, status=WorkerStatus.BUSY).update(
                    status=WorkerStatus.ACTIVE, current_task=""
                )
            else:
                Worker.objects.filter(pk=worker_id).update(current_task="")
