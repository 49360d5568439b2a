"""The local-disk backend: content-addressed files under ``settings.VAULT_DIR``.

Layout: ``objects/ab/cd/<sha256>``; a ref is the 64-character SHA-256 and nothing else, so no
ref can name a path outside the directory. Writes go to ``tmp/`` and are linked into place
(``os.link`` fails if the target exists, so an object is never overwritten, even by two
writers racing on the same content).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from vault.base import CHUNK, FileStat, NotFound, Source, StoredFile, VaultError

REF_RE = re.compile(r"^[0-9a-f]{64}$")


def relative_path(ref: str) -> str:
    """``ab/cd/<ref>`` under ``objects/`` (what nginx's internal location serves)."""
    if not REF_RE.match(ref or ""):
        raise NotFound(f"not a local vault ref: {ref!r}")
    return f"{ref[:2]}/{ref[2:4]}/{ref}"


_NOWAIT = getattr(os, "RWF_NOWAIT", None)


def _read_cached(fd: int, size: int, offset: int) -> bytes | bytearray | None:
    """The bytes if the page cache holds them all (``preadv2(RWF_NOWAIT)``: never waits on
    the disk), else None. Hot files are then served without a thread hop per chunk."""
    if _NOWAIT is None:
        return None
    buf = bytearray(size)
    try:
        got = os.preadv(fd, [buf], offset, _NOWAIT)
    except (BlockingIOError, OSError):
        return None
    if got == size:
        return buf
    return None  # partly cached, or the end of the file: let the thread path decide


class LocalBackend:
    name = "local"

    def __init__(self, root: str | Path | None = None) -> None:
        # None: follow settings.VAULT_DIR at call time (tests point it at a temporary dir).
        self._root = Path(root) if root is not None else None

    @property
    def root(self) -> Path:
        return self._root if self._root is not None else Path(settings.VAULT_DIR)

    @property
    def objects_dir(self) -> Path:
        return self.root / "objects"

    def accel_path(self, ref: str) -> str:
        """Where nginx's internal location finds the object (``VAULT_ACCEL_REDIRECT``)."""
        return relative_path(ref)

    def path(self, ref: str) -> Path:
        return self.objects_dir / relative_path(ref)

    # --- writing ---------------------------------------------------------------------------

    def _put_sync(self, source: Source) -> StoredFile:
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="put-")
        digest = hashlib.sha256()
        size = 0
        try:
            with contextlib.ExitStack() as stack:
                if isinstance(source, str | Path):
                    src: BinaryIO = stack.enter_context(open(source, "rb"))
                else:
                    src = source
                out = stack.enter_context(os.fdopen(fd, "wb"))
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp_name, 0o644)  # nginx (X-Accel-Redirect) reads as another user
            ref = digest.hexdigest()
            target = self.path(ref)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                pass  # same content already stored: keep the existing object untouched
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
        return StoredFile(backend=self.name, ref=ref, size=size, sha256=ref)

    async def put(self, source: Source, *, file_name: str = "") -> StoredFile:
        return await asyncio.to_thread(self._put_sync, source)

    # --- reading ---------------------------------------------------------------------------

    async def open_range(self, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
        # Plain string joins: this runs once per range request, pathlib costs more than the read.
        root = self._root if self._root is not None else settings.VAULT_DIR
        path = os.path.join(root, "objects", relative_path(ref))
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError as exc:
            raise NotFound(f"no object {ref}") from exc
        try:
            pos = start
            while pos < end:
                want = min(CHUNK, end - pos)
                chunk = _read_cached(fd, want, pos)
                if chunk is None:
                    # Not (all) in the page cache: read in a thread, so a cold disk never
                    # stalls the event loop.
                    chunk = await asyncio.to_thread(os.pread, fd, want, pos)
                if not chunk:
                    raise VaultError(f"object {ref} is shorter than {end} bytes")
                pos += len(chunk)
                yield chunk
        finally:
            os.close(fd)

    async def stat(self, ref: str) -> FileStat:
        try:
            return FileStat(size=self.path(ref).stat().st_size)
        except FileNotFoundError as exc:
            raise NotFound(f"no object {ref}") from exc

    async def delete(self, ref: str) -> bool:
        try:
            self.path(ref).unlink()
        except FileNotFoundError:
            return False
        return True
