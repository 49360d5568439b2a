"""The medic's calls into other apps (jobs, ingest, the vault), in one place, through their
public functions only. Where the owning app's service cannot do the work (it refuses the input,
or this process cannot reach the backend), the function raises ``Unavailable`` — the caller
records the step as "not available" — and never pretends the work was done.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError

import vault
from catalog.models import SubtitleTrack
from core.alerts import alert_raise
from core.models import AdminAlert
from ingest import mirrors, repair, subtitles
from ingest.kinds import JobKind
from ingest.mirror_hosts import MirrorError
from jobs.engine import job_create
from jobs.services import job_status

from .checks import UrlCheck

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

    try:
        store = vault.get_backend(backend)
    except vault.BackendUnavailable as exc:
        return VaultProbe(ok=None, error=str(exc)[:300])

    async def _probe() -> VaultProbe:
        try:
            stat = await store.stat(ref)
            end = min(stat.size, read_bytes)
            parts = [chunk async for chunk in store.open_range(ref, 0, end)] if end else []
        except vault.BackendUnavailable as exc:
            return VaultProbe(ok=None, error=str(exc)[:300])
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

    job = job_create(
        kind=JobKind.NOTIFY_USER,
        payload={"user_id": user_id, "text": text},
        priority=6,
        dedupe_key=dedupe_key[:100],
    )
    return job.pk


def admin_alert(*, message: str, payload: dict[str, Any] | None = None) -> int:
    """An admin alert (listed in the admin and posted to the admin_alerts channel)."""

    kind = AdminAlert.Kind.REPAIR_FAILED
    return alert_raise(kind=kind, message=message, payload=payload or {}).pk


def queue_releech(*, media_file_id: int, url: str) -> int:
    """Start the swarm's re-leech of this media file from ``url`` (a ``releech`` job: leech,
    hash/blocked check, vault put, probe/subtitles/screenshots, then the bytes replace those of
    the EXISTING file); returns the swarm job id. ``Unavailable`` when the swarm refuses (the
    file is gone, the title was taken down, the URL is not http(s))."""

    try:
        return repair.releech_create(media_file_id=media_file_id, url=url).pk
    except ValidationError as exc:
        raise Unavailable(_reason(exc)) from exc


def queue_subtitles_rebuild(*, media_file_id: int) -> int:
    """Start the swarm's re-extraction of the file's WebVTT tracks from its stored bytes (a
    ``subtitles_rebuild`` job); returns the job id. ``Unavailable``: no such file, a taken-down
    title, no text track."""

    try:
        return subtitles.subtitles_rebuild_create(media_file_id=media_file_id).pk
    except ValidationError as exc:
        raise Unavailable(_reason(exc)) from exc


def subtitles_missing(*, media_file_id: int) -> list[int]:
    """The stream indexes of the file's text tracks whose WebVTT does not read (no ref, or
    the object is gone or unreadable)."""

    missing = []
    for track in SubtitleTrack.objects.filter(
        media_file_id=media_file_id, kind=SubtitleTrack.Kind.TEXT
    ).order_by("stream_index"):
        ok = False
        try:
            backend, ref = vault.split_tagged(track.vtt_ref)
        except vault.BackendUnavailable:  # no ref at all, or not a vault ref
            backend, ref = "", ""
        if ref:
            ok = vault_probe(backend=backend, ref=ref, read_bytes=16).ok is True
        if not ok:
            missing.append(track.stream_index)
    return missing


def ingest_source_url(*, media_file: Any) -> str:
    """The URL the file's bytes were downloaded from (the ``payload.url`` of the newest done
    ``releech`` or ``ingest_url`` Job that attached them), or "" for a forwarded or hand-made
    file. It is the URL ``releech_create`` falls back to after ``backup_url``; the medic asks
    for it by name so that a dead backup URL is not leeched again."""

    return repair.media_file_source_url(media_file=media_file)


@dataclass(frozen=True)
class JobState:
    status: str  # the swarm's JobStatus value, or "missing" when the row is gone
    error: str = ""
    result: dict[str, Any] = field(default_factory=dict)  # a done job's ``state["result"]``
    sha256: str = ""  # the SHA-256 of the bytes the job hashed (``state["sha256"]``)


def job_state(*, job_id: int) -> JobState:
    """Status, last error and, once done, the result of a job."""
    found = job_status(job_id=job_id)
    if found is None:
        return JobState(status="missing")
    return JobState(
        status=found.status, error=found.error, result=found.result, sha256=found.sha256
    )


def recopy_from_channel(*, media_file_id: int) -> int:
    """Copy the file again from its storage/quarantine channel message into a fresh storage
    message (a ``recopy`` job: copy, verify the bytes, point the file there); returns the job
    id. ``Unavailable`` when no Telegram message carries the file (a local file) or no storage
    channel is configured."""

    try:
        return repair.recopy_create(media_file_id=media_file_id).pk
    except ValidationError as exc:
        raise Unavailable(_reason(exc)) from exc


def _reason(exc: Exception) -> str:
    messages = getattr(exc, "messages", None) or [str(exc)]
    return "; ".join(messages)[:300]


PENDING = "pending:"  # a deletion queued on the swarm's telegram queue: "pending:<task id>"


def delete_source_bytes(*, backend: str, ref: str, pending: str = "") -> str:
    """Delete a stored object: ``"deleted"``, ``"absent"`` (already gone) or, for a backend
    that deletes later in another process (the swarm's Telegram storage: a leased ingest
    account on the ``telegram`` queue deletes the channel message), ``"pending:<task id>"``.
    The first call queues it; pass the task id back as ``pending`` on a later call to read the
    outcome (a task that gave up is queued again). ``Unavailable``: no such backend here, or a
    ref it cannot name."""
    try:
        store = vault.configured_backend(backend)
    except vault.BackendUnavailable as exc:
        raise Unavailable(str(exc)) from exc
    if hasattr(store, "delete_send"):
        if pending:
            outcome = store.delete_result(pending)
            if outcome is None:
                return PENDING + pending
            if not outcome.startswith("failed"):
                return outcome
            log.warning("deleting %s object %s: %s; queued again", backend, ref, outcome)
        try:
            task_id, outcome = store.delete_send(ref)
        except vault.NotFound as exc:
            raise Unavailable(str(exc)) from exc
        return outcome or PENDING + task_id
    try:
        return "deleted" if async_to_sync(store.delete)(ref) else "absent"
    except vault.BackendUnavailable as exc:
        raise Unavailable(str(exc)) from exc


# --- mirror hosts -------------------------------------------------------------------------------


def mirror_hosts_with_api() -> set[str]:
    """Names of the configured mirror hosts that say through their own API whether a copy is
    there (their links are checked that way, not by a plain HTTP request)."""
    return mirrors.mirror_hosts_checked_by_api()


def mirror_check_api(*, host: str, url: str) -> UrlCheck:
    """One copy asked about through its host's API; a host that cannot say is a transient
    failure (counted towards ``MEDIC_DEAD_AFTER``, like a timeout)."""
    started = time.monotonic()
    try:
        there = mirrors.mirror_check(host_name=host, url=url)
        error, transient = ("" if there else f"not on {host} (its API)"), False
    except MirrorError as exc:
        there, error, transient = False, str(exc)[:300], True
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return UrlCheck(
        url=url,
        ok=bool(there),
        error=error,
        elapsed_ms=elapsed_ms,
        method="API",
        transient=transient,
    )


def mirror_remove(*, host: str, url: str) -> str:
    """Delete a copy from its host: ``"deleted"``; ``"by hand"`` when the host is not configured
    here or cannot delete; ``"error: …"`` when it failed (worth another try)."""
    try:
        return "deleted" if mirrors.mirror_delete(host_name=host, url=url) else "by hand"
    except MirrorError as exc:
        return f"error: {exc}"[:200]
