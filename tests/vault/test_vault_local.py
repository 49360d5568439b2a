from __future__ import annotations

import hashlib
import io
import os

import pytest
from asgiref.sync import async_to_sync

from vault import NotFound, get_backend, read_all
from vault.backends.local import LocalBackend, relative_path


async def _collect(backend, ref, start, end):
    return [chunk async for chunk in backend.open_range(ref, start, end)]


def collect(backend, ref, start, end) -> list[bytes]:
    return async_to_sync(_collect)(backend, ref, start, end)


@pytest.fixture
def backend(settings, tmp_path):
    settings.VAULT_DIR = tmp_path / "vault"
    return get_backend("local")


def test_put_is_content_addressed_and_readable(backend, tmp_path, settings):
    data = os.urandom(3 * 1024 * 1024 + 123)
    src = tmp_path / "movie.mkv"
    src.write_bytes(data)

    stored = async_to_sync(backend.put)(src)

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.ref == stored.sha256 and stored.size == len(data)
    path = settings.VAULT_DIR / "objects" / stored.ref[:2] / stored.ref[2:4] / stored.ref
    assert path.read_bytes() == data
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    # the temporary file was renamed away, nothing left behind
    assert list((settings.VAULT_DIR / "tmp").iterdir()) == []
    assert async_to_sync(backend.stat)(stored.ref).size == len(data)
    assert async_to_sync(read_all)(backend, stored.ref) == data


def test_open_range_is_exact_and_chunked(backend):
    data = os.urandom(2 * 1024 * 1024 + 10)
    stored = async_to_sync(backend.put)(io.BytesIO(data))
    chunks = collect(backend, stored.ref, 1000, 2 * 1024 * 1024 + 5)
    assert b"".join(chunks) == data[1000 : 2 * 1024 * 1024 + 5]
    assert max(len(c) for c in chunks) <= 1024 * 1024
    assert b"".join(collect(backend, stored.ref, 0, 1)) == data[:1]
    assert collect(backend, stored.ref, 5, 5) == []


def test_put_never_overwrites_an_existing_object(backend, settings):
    stored = async_to_sync(backend.put)(io.BytesIO(b"same bytes"))
    path = backend.path(stored.ref)
    inode = path.stat().st_ino
    again = async_to_sync(backend.put)(io.BytesIO(b"same bytes"))
    assert again == stored
    assert path.stat().st_ino == inode  # the original file, not a replacement


@pytest.mark.parametrize(
    "ref",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "ab/../../x",
        "A" * 64,
        "0" * 63,
        "0" * 64 + "/x",
        "",
        "..",
    ],
)
def test_refs_cannot_escape_the_vault(backend, ref):
    with pytest.raises(NotFound):
        relative_path(ref)
    with pytest.raises(NotFound):
        collect(backend, ref, 0, 10)
    with pytest.raises(NotFound):
        async_to_sync(backend.stat)(ref)


def test_delete(backend):
    stored = async_to_sync(backend.put)(io.BytesIO(b"bye"))
    assert async_to_sync(backend.delete)(stored.ref) is True
    assert async_to_sync(backend.delete)(stored.ref) is False
    with pytest.raises(NotFound):
        async_to_sync(backend.stat)(stored.ref)


def test_explicit_root(tmp_path):
    backend = LocalBackend(tmp_path / "elsewhere")
    stored = async_to_sync(backend.put)(io.BytesIO(b"x"))
    assert (tmp_path / "elsewhere" / "objects" / relative_path(stored.ref)).exists()
    assert b"".join(collect(backend, stored.ref, 0, 1)) == b"x"
