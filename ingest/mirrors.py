"""Backup hosts ("Multi-Source Mirroring"): after the vault put, files above
``MIRROR_MIN_BYTES`` are uploaded to every host in ``MIRROR_HOSTS`` at once (one thread per
host), each with its own retries (``MIRROR_RETRIES`` more tries, ``MIRROR_RETRY_SECONDS`` apart,
doubling) for what is worth retrying, and skipped where the file is over the host's limit. Each
URL becomes a DownloadMirror and the first one the file's ``backup_url`` — the copy the stream
door switches to when the primary is lost. A mirror failure is recorded in the job and never
fails the ingest. The hosts themselves are adapters (``ingest.mirror_hosts``)."""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings

from catalog.models import DownloadMirror
from ingest.kinds import JobKind
from ingest.mirror_hosts import (
    GenericHttpMirror,
    MirrorError,
    MirrorHost,
    MirrorRefused,
    mirror_host,
)
from jobs.engine import JobContext, PermanentError, TransientError, job_create

log = logging.getLogger(__name__)

__all__ = ["GenericHttpMirror", "MirrorError", "mirror_hosts", "mirrors_step", "mirrors_upload"]


def mirror_hosts() -> list[MirrorHost]:
    return [mirror_host(conf) for conf in settings.MIRROR_HOSTS or []]


def mirror_host_named(name: str) -> MirrorHost | None:
    return next((h for h in mirror_hosts() if h.name == name), None)


def _upload(host: MirrorHost, path: Path, file_name: str, size: int) -> str:
    """One host's upload with its retries; MirrorError (the last one) when it gave up."""
    if host.max_bytes and size > host.max_bytes:
        raise MirrorRefused(f"{host.name}: the file is over its {host.max_bytes} byte limit")
    tries = 1 + max(0, settings.MIRROR_RETRIES)
    for attempt in range(1, tries + 1):
        try:
            return host.upload(path, file_name)
        except MirrorRefused:
            raise
        except MirrorError as exc:
            if attempt == tries:
                raise MirrorError(f"{exc} (after {tries} tries)") from exc
            log.info("mirror upload to %s failed (%s); trying again", host.name, exc)
            time.sleep(settings.MIRROR_RETRY_SECONDS * 2 ** (attempt - 1))
    raise AssertionError("unreachable")


def mirrors_upload(*, path: Path, file_name: str, size: int) -> tuple[list[dict], list[str]]:
    """Upload to every configured host in parallel. Returns (mirrors for
    ``catalog.services.mirrors_set``, in the hosts' order; errors). Files below
    ``MIRROR_MIN_BYTES`` are not mirrored."""
    hosts = mirror_hosts()
    if size < settings.MIRROR_MIN_BYTES or not hosts:
        return [], []
    with ThreadPoolExecutor(max_workers=len(hosts), thread_name_prefix="mirror") as pool:
        futures = [(h, pool.submit(_upload, h, path, file_name, size)) for h in hosts]
    mirrors, errors = [], []
    for host, future in futures:
        try:
            url = future.result()
        except MirrorError as exc:
            log.warning("mirror upload failed: %s", exc)
            errors.append(str(exc))
            continue
        mirrors.append({"host": host.name, "url": url, "icon": host.icon, "status": "active"})
    return mirrors, errors


def mirror_delete(*, host_name: str, url: str) -> bool:
    """Remove a copy from its host (False: the host is not configured or cannot delete)."""
    host = mirror_host_named(host_name)
    return bool(host is not None and host.delete(url))


def mirror_hosts_checked_by_api() -> set[str]:
    """The configured hosts that say through their own API whether a copy is still there."""
    return {h.name for h in mirror_hosts() if h.checks_by_api}


def mirror_check(*, host_name: str, url: str) -> bool | None:
    """Whether the copy is still on its host, asked through the host's own API (None: the host
    is not configured here). MirrorError: the host could not say."""
    host = mirror_host_named(host_name)
    return None if host is None else host.check(url)


def mirrors_step(ctx: JobContext) -> None:
    """The ``mirrors`` step of an ingest: upload the source to the configured mirror hosts;
    failures are kept, not fatal."""
    src: dict[str, Any] = ctx.state["source"]
    mirrors, errors = mirrors_upload(
        path=Path(src["path"]), file_name=src["file_name"], size=src["size"]
    )
    ctx.state["mirrors"] = mirrors
    ctx.state["mirror_errors"] = errors


def mirror_deletes_queue(*, copies: list[tuple[str, str]]) -> None:
    """A media file is gone from the catalog (deleted, or its title deleted): its copies on the
    configured hosts are deleted too, each by a ``mirror_delete`` job sent after commit (durable:
    a broker outage delays it, the stale sweep sends it again). Hosts not configured here, or
    unable to delete, are left alone."""
    configured = {h.name for h in mirror_hosts()}
    for host, url in copies:
        if host in configured:
            job_create(
                kind=JobKind.MIRROR_DELETE,
                payload={"host": host, "url": url},
                priority=8,
                dedupe_key="mirror_delete:" + hashlib.sha1(url.encode()).hexdigest(),
            )


def mirror_delete_run(ctx: JobContext) -> dict[str, Any]:
    """The ``mirror_delete`` job: delete one copy, unless a file in the catalog lists it again."""
    host, url = ctx.payload["host"], ctx.payload["url"]
    if DownloadMirror.objects.filter(url=url).exists():
        return {"skipped": "another file lists this copy"}
    try:
        deleted = mirror_delete(host_name=host, url=url)
    except MirrorRefused as exc:
        raise PermanentError(str(exc)) from exc
    except MirrorError as exc:
        raise TransientError(str(exc)) from exc
    return {"deleted": deleted}
