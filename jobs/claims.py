"""Claiming the best queued job of a queue: the highest priority, then the oldest, due now.

On PostgreSQL one statement does it — ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED
LIMIT 1) RETURNING *`` — so concurrent claimers pass over each other's rows and a claim is one
round trip. Elsewhere (SQLite, one process) the same in two statements."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.models import Job, JobStatus

# The worker process (host:pid) recorded on every claim.
RUNNER = f"{socket.gethostname()}:{os.getpid()}"


def claim_fields(token: str, now) -> dict:
    return {
        "status": JobStatus.RUNNING,
        "run_token": token,
        "attempts": F("attempts") + 1,
        "heartbeat_at": now,
        "started_at": now,
        "not_before": None,
        "last_error": "",
        "error_code": "",
        "runner": RUNNER,
    }


def claim_next(*, kinds: list[str]) -> tuple[Job, str] | None:
    token = uuid.uuid4().hex
    now = timezone.now()
    due = now + timedelta(seconds=1)
    if connection.vendor == "postgresql":
        table = Job._meta.db_table
        rows = list(
            Job.objects.raw(
                f"UPDATE {table} SET status = %s, run_token = %s, attempts = attempts + 1, "
                "heartbeat_at = %s, started_at = %s, not_before = NULL, last_error = '', "
                f"error_code = '', runner = %s WHERE id = (SELECT id FROM {table} "
                "WHERE status = %s AND kind = ANY(%s) AND (not_before IS NULL OR not_before <= %s) "
                "ORDER BY priority DESC, created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *",
                [JobStatus.RUNNING, token, now, now, RUNNER, JobStatus.QUEUED, kinds, due],
            )
        )
        return (rows[0], token) if rows else None
    with transaction.atomic():
        pk = (
            Job.objects.filter(status=JobStatus.QUEUED, kind__in=kinds)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=due))
            .order_by("-priority", "created_at")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None or not Job.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
            **claim_fields(token, now)
        ):
            return None
    return Job.objects.get(pk=pk), token
