"""The backend registry: ``settings.VAULT_BACKENDS`` maps a name to the dotted path of a class
(instantiated once per process, with no arguments); ``settings.VAULT_DEFAULT_BACKEND`` names
where new objects go.

A process may also *register* a live instance under a name (the swarm's Telegram runtime does,
for the accounts it holds here); ``get_backend`` prefers it to the configured class, and
``configured_backend`` ignores it.

Refs in fields with no backend column (subtitle tracks, posters, backdrops) are *tagged*:
``<backend>:<ref>``. An untagged 64-hex ref is a ``local`` object (rows written before tags).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from core.refs import split_tagged as parse_tagged
from vault.base import StorageBackend, StoredFile, VaultError

log = logging.getLogger(__name__)


class BackendUnavailable(VaultError):
    """No backend of that name here (not configured, or it cannot run in this process, e.g. no
    Telegram account is held here)."""


_configured: dict[str, Any] = {}
_registered: dict[str, StorageBackend] = {}
_lock = threading.Lock()


def default_backend_name() -> str:
    return settings.VAULT_DEFAULT_BACKEND


def backend_names() -> list[str]:
    return list(settings.VAULT_BACKENDS)


def configured_backend(name: str) -> Any:
    """The instance of the class ``VAULT_BACKENDS[name]`` names (one per process)."""
    with _lock:
        backend = _configured.get(name)
        if backend is None:
            path = settings.VAULT_BACKENDS.get(name)
            if not path:
                raise BackendUnavailable(f"no {name!r} vault backend is configured")
            backend = _configured[name] = import_string(path)()
    return backend


def get_backend(name: str | None = None) -> StorageBackend:
    """The backend to use for ``name`` (default: ``VAULT_DEFAULT_BACKEND``) in this process."""
    name = name or default_backend_name()
    live = _registered.get(name)
    if live is not None:
        return live
    return configured_backend(name)


async def backend_ready(name: str) -> StorageBackend:
    """``get_backend(name)``, made ready to serve: a backend that needs a per-process start
    (the swarm's Telegram storage: this process's stream accounts) has ``async prepare()``,
    which starts it if needed and returns the object to read from, or raises
    ``BackendUnavailable``."""
    backend = get_backend(name)
    prepare = getattr(backend, "prepare", None)
    return await prepare() if prepare is not None else backend


def register(backend: StorageBackend) -> None:
    """Use this live instance for ``backend.name`` in this process."""
    _registered[backend.name] = backend


def unregister(name: str, *, only: StorageBackend | None = None) -> None:
    """Drop the live instance of ``name`` (with ``only``: if it is still that object)."""
    if only is None or _registered.get(name) is only:
        _registered.pop(name, None)


def registered(name: str) -> StorageBackend | None:
    return _registered.get(name)


def reset() -> None:
    """Forget the configured instances (tests that change ``VAULT_BACKENDS`` call it)."""
    with _lock:
        _configured.clear()


def tag_ref(stored: StoredFile) -> str:
    """The tagged form of a stored object's ref: ``<backend>:<ref>``."""
    return f"{stored.backend}:{stored.ref}"


def resolve_tagged(tagged: str) -> tuple[StorageBackend, str]:
    """The backend and ref of a tagged ref (an untagged SHA-256 is a ``local`` object)."""
    name, ref = split_tagged(tagged)
    return get_backend(name), ref


def split_tagged(tagged: str) -> tuple[str, str]:
    found = parse_tagged(tagged)
    if found is None:
        raise BackendUnavailable(f"not a tagged vault ref: {tagged[:80]!r}")
    return found


def backends_start() -> None:
    """Start every configured backend that has a process-level ``start`` (the ASGI lifespan
    calls this: the swarm's Telegram storage starts the stream accounts). A failure is logged,
    never fatal: such a backend retries lazily on first use."""
    for name in backend_names():
        try:
            backend = configured_backend(name)
            if hasattr(backend, "start"):
                backend.start()
        except Exception:
            log.exception("vault backend %s failed to start", name)


def backends_stop() -> None:
    for name in list(_configured):
        backend = _configured[name]
        if hasattr(backend, "stop"):
            try:
                backend.stop()
            except Exception:
                log.exception("vault backend %s failed to stop cleanly", name)
