"""Backup hosts ("Multi-Source Mirroring"): after the vault put, files above
``MIRROR_MIN_BYTES`` are uploaded to every host in ``MIRROR_HOSTS``; each URL becomes a
DownloadMirror and the first one the file's ``backup_url``. A mirror failure is recorded in
the job and never fails the ingest.

A host is configured, not coded: ``GenericHttpMirror`` posts the file as multipart to
``upload_url`` (``file_field``), with ``Authorization: Bearer <api_key>`` when a key is set, and
reads the public URL from the JSON answer at ``url_field`` (a dotted path: ``result.url``,
``files.0.link``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings

from jobs.engine import JobContext

log = logging.getLogger(__name__)


class MirrorError(Exception):
    """A mirror host refused or failed an upload or a check."""


def _dig(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


@dataclass
class GenericHttpMirror:
    name: str
    upload_url: str
    api_key: str = ""
    file_field: str = "file"
    url_field: str = "url"
    icon: str = ""
    timeout: float = 600.0

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def upload(self, path: Path, file_name: str) -> str:
        try:
            with open(path, "rb") as f:
                response = httpx.post(
                    self.upload_url,
                    files={self.file_field: (file_name, f, "application/octet-stream")},
                    headers=self._headers(),
                    timeout=self.timeout,
                )
        except httpx.HTTPError as exc:
            raise MirrorError(f"{self.name}: {type(exc).__name__}") from exc
        if response.status_code >= 300:
            raise MirrorError(f"{self.name}: HTTP {response.status_code}")
        try:
            url = _dig(response.json(), self.url_field)
        except ValueError as exc:
            raise MirrorError(f"{self.name}: answer is not JSON") from exc
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise MirrorError(f"{self.name}: no URL at {self.url_field!r} in the answer")
        return url

    def check(self, url: str) -> bool:
        try:
            response = httpx.head(url, timeout=15.0, follow_redirects=True)
            if response.status_code == 405:
                response = httpx.get(
                    url, headers={"Range": "bytes=0-0"}, timeout=15.0, follow_redirects=True
                )
        except httpx.HTTPError:
            return False
        return response.status_code < 400


def mirror_hosts() -> list[GenericHttpMirror]:
    hosts = []
    for conf in settings.MIRROR_HOSTS or []:
        allowed = {"name", "upload_url", "api_key", "file_field", "url_field", "icon", "timeout"}
        hosts.append(GenericHttpMirror(**{k: v for k, v in conf.items() if k in allowed}))
    return hosts


def mirrors_upload(*, path: Path, file_name: str, size: int) -> tuple[list[dict], list[str]]:
    """Upload to every configured host. Returns (mirrors for ``catalog.services.mirrors_set``,
    errors). Files below ``MIRROR_MIN_BYTES`` are not mirrored."""
    if size < settings.MIRROR_MIN_BYTES:
        return [], []
    mirrors, errors = [], []
    for host in mirror_hosts():
        try:
            url = host.upload(path, file_name)
        except MirrorError as exc:
            log.warning("mirror upload failed: %s", exc)
            errors.append(str(exc))
            continue
        mirrors.append({"host": host.name, "url": url, "icon": host.icon, "status": "active"})
    return mirrors, errors


def mirrors_step(ctx: JobContext) -> None:
    """The ``mirrors`` step of an ingest: upload the source to the configured mirror hosts;
    failures are kept, not fatal."""
    src = ctx.state["source"]
    mirrors, errors = mirrors_upload(
        path=Path(src["path"]), file_name=src["file_name"], size=src["size"]
    )
    ctx.state["mirrors"] = mirrors
    ctx.state["mirror_errors"] = errors
