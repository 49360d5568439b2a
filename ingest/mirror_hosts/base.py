"""What every mirror host adapter is, and how it fails."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import httpx


class MirrorError(Exception):
    """A host failed an upload, a check or a delete in a way worth trying again (no answer, a
    5xx, a 429)."""


class MirrorRefused(MirrorError):
    """The host refused (a 4xx, a file over its limit, an answer without a URL): not retried."""


class MirrorHost(Protocol):
    name: str
    icon: str
    max_bytes: int  # 0: no limit of its own
    # True: ``check`` asks the host's own API (the medic uses it instead of a plain HTTP check).
    checks_by_api: bool

    def upload(self, path: Path, file_name: str) -> str:
        """Put the file on the host; its public URL."""

    def check(self, url: str) -> bool:
        """Whether the copy at ``url`` is still there. MirrorError: the host could not say
        (no answer, a 5xx) — ask again later."""

    def delete(self, url: str) -> bool:
        """Remove the copy at ``url``; False when the host cannot delete."""


def raise_for(name: str, response: httpx.Response) -> None:
    """MirrorError for what is worth retrying, MirrorRefused for the rest of the failures."""
    if response.status_code >= 500 or response.status_code == 429:
        raise MirrorError(f"{name}: HTTP {response.status_code}")
    if response.status_code >= 300:
        raise MirrorRefused(f"{name}: HTTP {response.status_code}")


def url_alive(url: str) -> bool:
    """A HEAD (or a one-byte GET where HEAD is refused) answered below 400."""
    try:
        response = httpx.head(url, timeout=15.0, follow_redirects=True)
        if response.status_code == 405:
            response = httpx.get(
                url, headers={"Range": "bytes=0-0"}, timeout=15.0, follow_redirects=True
            )
    except httpx.HTTPError:
        return False
    return response.status_code < 400
