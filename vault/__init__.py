"""vault: where bytes live (docs/design.md).

Owns: the storage protocol (``vault.base.StorageBackend``: ``put``, ``open_range``, ``stat``,
``delete``), the backend registry (``settings.VAULT_BACKENDS``: name → dotted path of a class,
``settings.VAULT_DEFAULT_BACKEND`` for new objects), the built-in backends in
``vault/backends/`` (``local``, ``s3``), tagged refs (``<backend>:<ref>`` for fields that have no
backend column), and the byte-serving endpoints: ``/s/`` (signed streams and packs),
``/api/subs``, ``/api/read`` (CBZ pages through a Redis page cache) and ``/api/img``.

A new backend is one module (in ``vault/backends/`` or in the app that owns it — the swarm
registers ``telegram`` this way) and one line in ``VAULT_BACKENDS``. No code outside this app
and a backend's own module branches on a backend's name.

May import: ``accounts`` (URL signatures), ``catalog`` (what a hash or chapter is), ``core``,
``media``. Imported by: swarm, ingest, medic, bot, web.
"""

from __future__ import annotations

from vault.base import (
    CHUNK,
    FileStat,
    FloodWaitError,
    NotFound,
    StorageBackend,
    StoredFile,
    TooLarge,
    VaultError,
    read_all,
)
from vault.registry import (
    BackendUnavailable,
    backend_ready,
    backends_start,
    backends_stop,
    configured_backend,
    default_backend_name,
    get_backend,
    register,
    registered,
    resolve_tagged,
    split_tagged,
    tag_ref,
    unregister,
)

__all__ = [
    "CHUNK",
    "BackendUnavailable",
    "FileStat",
    "FloodWaitError",
    "NotFound",
    "StorageBackend",
    "StoredFile",
    "TooLarge",
    "VaultError",
    "backend_ready",
    "backends_start",
    "backends_stop",
    "configured_backend",
    "default_backend_name",
    "get_backend",
    "read_all",
    "register",
    "registered",
    "resolve_tagged",
    "split_tagged",
    "tag_ref",
    "unregister",
]
