"""The edge: what nginx serves without Python (deploy/, docs/edge.md).

``EDGE_DIR`` (empty: no edge, everything is answered by the app) is a directory nginx reads:

- ``docs/<policy>/<short_id>.json`` — materialized title documents, one directory per catalog
  policy (``catalog.edge``), ``hosts/<host>`` a symlink to its site's policy directory
  (``tenants.edge``);
- ``s/ab/cd/<sha256>.<ext>`` — symlinks to local-vault objects the stream door has admitted
  (``vault.edge``); nginx checks the signature itself (``secure_link``) and sends the bytes.

Writers take one lock per area (``edge_lock``), so a reader of the database and the file it
writes are never overtaken by an older writer: the last writer to take the lock read the
newest committed state. Files appear by ``rename`` (atomic for nginx's readers).

- ``cache/`` — nginx's ``proxy_cache`` of subtitles and manga pages; ``edge_purge`` removes
  entries by key.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

CACHE = "cache"  # nginx's proxy_cache_path under EDGE_DIR (deploy/nginx.conf.template)


def edge_dir() -> Path | None:
    return Path(settings.EDGE_DIR) if settings.EDGE_DIR else None


@contextlib.contextmanager
def edge_lock(root: Path, name: str) -> Iterator[None]:
    """An exclusive lock across processes on this machine (``flock`` on ``<root>/.<name>.lock``)."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / f".{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_atomic(path: Path, data: bytes) -> None:
    """``path`` holds ``data`` at once for every reader (a temp file renamed over it), mode 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def symlink_atomic(target: str | Path, path: Path) -> None:
    """``path`` points at ``target`` at once (a temp link renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".tmp-{os.getpid()}-{path.name}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.symlink(target, tmp)
    os.replace(tmp, path)


def remove(path: Path) -> bool:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True


def cache_file_path(*, cache_dir: str | Path, levels: str, key: str) -> Path:
    """Where nginx keeps the cached answer for ``key``: md5(key) under ``levels`` directories
    taken from the end of the hex digest (``1:2``: ``<last char>/<2 chars before it>/<md5>``).
    nginx takes a removed file for a miss at the next request; no reload is needed."""
    digest = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
    parts, end = [], len(digest)
    for width in (int(x) for x in levels.split(":") if x):
        parts.append(digest[end - width : end])
        end -= width
    return Path(cache_dir).joinpath(*parts, digest)


def policy_roots(root: Path) -> list[str]:
    """The real paths of the catalog-policy directories (``EDGE_DIR/docs/<policy>``, which
    ``EDGE_DIR/hosts/<host>`` links point at): nginx keys a host's cached bytes by its policy
    directory (``$realpath_root``), so one site's answer is never served to another."""
    docs = root / "docs"
    if not docs.is_dir():
        return []
    return [os.path.realpath(p) for p in sorted(docs.iterdir()) if p.is_dir()]


def edge_purge(keys: Iterable[str]) -> int:
    """Drop nginx's cached answers for these request paths, for every site (each policy
    directory's entry): the cache file goes, and nginx treats the entry as a miss at the next
    request. nginx and the app run as the same user (deploy/), so the app may remove them.
    Returns how many were cached."""
    root = edge_dir()
    if root is None:
        return 0
    prefixes = policy_roots(root)
    return sum(
        remove(cache_file_path(cache_dir=root / CACHE, levels="1:2", key=prefix + key))
        for key in keys
        for prefix in prefixes
    )
