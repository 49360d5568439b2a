"""The vault: one storage protocol (``base.StorageBackend``), several backends (DESIGN §5).

Every stored row names its backend, so a library can mix them. ``get_backend(name)`` returns
the process's backend for that name: ``local`` always exists; ``telegram`` exists once the
process's Telegram runtime has started an account's client and registered its
``swarm.telegram.vault_backend.RuntimeTelegramBackend`` (one ``TelegramBackend`` per account).
"""

from __future__ import annotations

from .base import (
    CHUNK,
    FileStat,
    FloodWaitError,
    NotFound,
    StorageBackend,
    StoredFile,
    VaultError,
    read_all,
)
from .local import LocalBackend

__all__ = [
    "CHUNK",
    "BackendUnavailable",
    "FileStat",
    "FloodWaitError",
    "LocalBackend",
    "NotFound",
    "StorageBackend",
    "StoredFile",
    "VaultError",
    "get_backend",
    "read_all",
    "register",
    "registered",
    "resolve_tagged",
    "unregister",
]


class BackendUnavailable(VaultError):
    """No backend of that name in this process (e.g. no Telegram account is running here)."""


_registry: dict[str, StorageBackend] = {}
_local = LocalBackend()


def register(backend: StorageBackend) -> None:
    _registry[backend.name] = backend


def unregister(name: str, *, only: StorageBackend | None = None) -> None:
    """Drop the backend of ``name`` (with ``only``: if it is still that object)."""
    if only is None or _registry.get(name) is only:
        _registry.pop(name, None)


def registered(name: str) -> StorageBackend | None:
    return _registry.get(name)


def resolve_tagged(tagged: str) -> tuple[StorageBackend, str]:
    """The backend and ref of a tagged ref (see ``swarm.media.ingest.tagged_ref``)."""
    from .local import REF_RE

    if REF_RE.match(tagged):
        return get_backend("local"), tagged
    name, _, ref = tagged.partition(":")
    return get_backend(name), ref


def get_backend(name: str = "local") -> StorageBackend:
    if name in _registry:
        return _registry[name]
    if name == "local":
        return _local
    raise BackendUnavailable(f"no {name!r} vault backend is registered in this process")
