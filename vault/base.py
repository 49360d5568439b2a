"""The storage protocol every vault backend implements (docs/design.md).

All methods are coroutines: the Telegram backend talks to an asyncio client, and the streaming
endpoint runs on the ASGI event loop. Synchronous callers (ingest, management commands, Celery)
go through ``asgiref.sync.async_to_sync``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

CHUNK = 1024 * 1024

Source = str | Path | BinaryIO


@dataclass(frozen=True)
class StoredFile:
    """What ``put`` returns. ``ref`` is opaque: only the backend that made it can read it.
    ``tg_raw`` is the Telegram location (empty for other backends)."""

    backend: str
    ref: str
    size: int
    sha256: str
    tg_raw: dict[str, Any] | None = None


@dataclass(frozen=True)
class FileStat:
    size: int


class VaultError(Exception):
    """A storage operation failed."""


class NotFound(VaultError):
    """No object under that ref (or the ref is not one this backend makes)."""


class TooLarge(VaultError):
    """The object is over what this backend can store (Telegram: 2000 MiB an upload)."""


class FloodWaitError(VaultError):
    """Telegram asked this account to wait ``seconds``; the swarm parks the account and
    retries the work on another one."""

    def __init__(self, seconds: int, *, dc_id: int | None = None) -> None:
        super().__init__(f"flood wait of {seconds}s")
        self.seconds = seconds
        self.dc_id = dc_id


@runtime_checkable
class StorageBackend(Protocol):
    name: str

    async def put(self, source: Source, *, file_name: str = "") -> StoredFile:
        """Store the bytes of ``source`` (a path or a binary file object)."""
        ...

    def open_range(self, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes ``start`` (inclusive) to ``end`` (exclusive), as chunks of at most 1 MiB.
        Chunks are bytes-like (``bytes`` or a fresh ``bytearray`` the caller may keep).
        Raises NotFound (when iterated) for an unknown ref."""
        ...

    async def stat(self, ref: str) -> FileStat: ...

    async def delete(self, ref: str) -> bool:
        """Remove the object; False if it was not there."""
        ...


async def read_all(
    backend: StorageBackend, ref: str, *, max_bytes: int = 64 * 1024 * 1024
) -> bytes:
    """A small object (a WebVTT file, a screenshot) in memory. Refuses anything larger than
    ``max_bytes`` so a wrong ref cannot pull a movie into RAM."""
    size = (await backend.stat(ref)).size
    if size > max_bytes:
        raise VaultError(f"object of {size} bytes is larger than {max_bytes}")
    parts = [chunk async for chunk in backend.open_range(ref, 0, size)]
    return b"".join(parts)
