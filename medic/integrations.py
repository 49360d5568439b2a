"""The medic's calls into other apps (the swarm's jobs and Telegram gateway, the vault), in one
place. Each function calls the owning app's public service. Where that service cannot do the
work (it refuses the input, or this process cannot reach the backend), the function raises
``Unavailable`` — the caller records the step as "not available" — and never pretends the work
was done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """The app that does this is not installed or cannot do it in this process."""


# --- vault ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VaultProbe:
    ok: bool | None  # None: the backend is not reachable from this process (cannot tell)
    size: int | None = None
    head: bytes = b""
    error: str = ""


def vault_probe(*, backend: str, ref: str, read_bytes: int = 64 * 1024) -> VaultProbe:
    """``stat`` and a read of the first ``read_bytes`` of a stored object."""
    from swarm import vault

    try:
        store = vault.get_backend(backend)
    except vault.BackendUnavailable as exc:
        return VaultProbe(ok=None, error=str(exc)[:300])

    async def _probe() -> VaultProbe:
        try:
            stat = await store.stat(ref)
            end = min(stat.size, read_bytes)
            parts = [chunk async for chunk in store.open_range(ref, 0, end)] if end else []
        except vault.NotFound as exc:
            return VaultProbe(ok=False, error=f"not found: {exc}"[:300])
        except vault.FloodWaitError as exc:
            return VaultProbe(ok=None, error=str(exc)[:300])
        except vault.VaultError as exc:
            return VaultProbe(ok=False, error=str(exc)[:300])
        head = b"".join(parts)
        if len(head) != end:
            return VaultProbe(ok=False, size=stat.size, error="short read")
        return VaultProbe(ok=True, size=stat.size, head=head)

    return async_to_sync(_probe)()


# --- swarm: messages, alerts, jobs -------------------------------------------------------------


def notify_user(*, user_id: int, text: str, dedupe_key: str) -> int:
    """Queue a Telegram DM to the user (the swarm's durable NOTIFY_USER job); returns its id.
    The dedupe key makes a second call for the same event return the same job."""
    from swarm.jobs import job_create
    from swarm.models import JobKind

    job = job_create(
        kind=JobKind.NOTIFY_USER,
        payload={"user_id": user_id, "text": text},
        priority=6,
        dedupe_key=dedupe_key[:100],
    )
    return job.pk


def admin_alert(*, message: str, payload: dict[str, Any] | None = None) -> int:
    """An admin alert (listed in the admin and posted to the admin_alerts channel)."""
    from swarm.models import AdminAlert
    from swarm.workers import alert_raise

    kind = getattr(AdminAlert.Kind, "REPAIR_FAILED", AdminAlert.Kind.OTHER)
    return alert_raise(kind=kind, message=message, payload=payload or {}).pk


def queue_releech(*, media_file_id: int, url: str) -> int:
    """Start the swarm's re-leech of this media file from ``url`` (a ``releech`` job: leech,
    hash/blocked check, vault put, probe/subtitles/screenshots, then the bytes replace those of
    the EXISTING file); returns the swarm job id. ``Unavailable`` when the swarm refuses (the
    file is gone, the title was taken down, the URL is not http(s))."""
    from django.core.exceptions import ValidationError

    from swarm import pipeline

    try:
        return pipeline.releech_create(media_file_id=media_file_id, url=url).pk
    except ValidationError as exc:
        raise Unavailable(_reason(exc)) from exc


def ingest_source_url(*, media_file: Any) -> str:
    """The URL the file's bytes were downloaded from (the ``payload.url`` of the newest done
    ``releech`` or ``ingest_url`` Job that attached them), or "" for a forwarded or hand-made
    file. It is the URL ``releech_create`` falls back to after ``backup_url``; the medic asks
    for it by name so that a dead backup URL is not leeched again."""
    from swarm.repair import media_file_source_url

    return media_file_source_url(media_file=media_file)


@dataclass(frozen=True)
class JobState:
    status: str  # the swarm's JobStatus value, or "missing" when the row is gone
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)  # a done job's ``state["result"]``
    sha256: str = ""  # the SHA-256 of the bytes the job hashed (``state["sha256"]``)


def job_state(*, job_id: int) -> JobState:
    """Status, last error and, once done, the result of a swarm job."""
    from swarm.models import Job

    row = Job.objects.filter(pk=job_id).values_list("status", "last_error", "state").first()
    if row is None:
        return JobState(status="missing")
    status, error, state = row
    state = state or {}
    return JobState(
        status=status,
        error=error,
        result=state.get("result") or {},
        sha256=str(state.get("sha256") or ""),
    )


def recopy_from_channel(*, media_file_id: int) -> int:
    """Copy the file again from its storage/quarantine channel message into a fresh storage
    message (a ``recopy`` job: copy, verify the bytes, point the file there); returns the job
    id. ``Unavailable`` when no Telegram message carries the file (a local file) or no storage
    channel is configured."""
    from django.core.exceptions import ValidationError

    from swarm import pipeline

    try:
        return pipeline.recopy_create(media_file_id=media_file_id).pk
    except ValidationError as exc:
        raise Unavailable(_reason(exc)) from exc


def _reason(exc: Exception) -> str:
    messages = getattr(exc, "messages", None) or [str(exc)]
    return "; ".join(messages)[:300]


PENDING = "pending:"  # a deletion queued on the swarm's telegram queue: "pending:<task id>"


def delete_source_bytes(*, backend: str, ref: str, pending: str = "") -> str:
    """Delete a stored object: ``"deleted"``, ``"absent"`` (already gone) or, for a Telegram
    file whose deletion is still queued, ``"pending:<task id>"``.

    ``telegram``: the storage-channel message is deleted by the swarm's ``telegram`` queue
    through a leased ingest account and the gateway's ``delete_messages``
    (``swarm.telegram.storage``) — this process holds no Telegram account. The first call
    queues it; pass the task id back as ``pending`` on a later call to read the outcome (a task
    that gave up is queued again). ``local``: the file, at once. ``Unavailable``: no such
    backend in this process, or a ref that names no message."""
    from swarm import vault

    if backend == "telegram":
        from swarm.telegram import storage

        if pending:
            outcome = storage.storage_delete_result(task_id=pending)
            if outcome is None:
                return PENDING + pending
            if not outcome.startswith("failed"):
                return outcome
            log.warning("deleting telegram message %s: %s; queued again", ref, outcome)
        try:
            task_id, outcome = storage.storage_delete_send(ref=ref)
        except vault.NotFound as exc:
            raise Unavailable(str(exc)) from exc
        return outcome or PENDING + task_id
    try:
        store = vault.get_backend(backend)
    except vault.BackendUnavailable as exc:
        raise Unavailable(str(exc)) from exc
    return "deleted" if async_to_sync(store.delete)(ref) else "absent"
