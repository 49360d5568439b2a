"""Medic test helpers: files with real bytes in the local vault, and reports."""

from __future__ import annotations

import hashlib
import itertools

from asgiref.sync import async_to_sync

from catalog import services as catalog
from medic import services
from medic.models import Report
from tests.factories import TitleFactory, UserFactory, add_file
from vault.backends.local import LocalBackend

_n = itertools.count(1)


def stored_file(title, *, content: bytes | None = None, quality: str = "1080p", **kw):
    """A media file whose bytes really are in the local vault (ref = their SHA-256)."""
    content = content if content is not None else f"movie bytes {next(_n)}".encode() * 100
    stored = async_to_sync(LocalBackend().put)(_bytes_io(content))
    return add_file(
        title,
        quality=quality,
        backend="local",
        ref=stored.ref,
        size_bytes=stored.size,
        file_hash=kw.pop("file_hash", hashlib.sha256(content + b"#").hexdigest()),
        **kw,
    )


def _bytes_io(content: bytes):
    import io

    return io.BytesIO(content)


def movie_with_mirrors(*urls: str, stored: bool = True, **file_kw):
    title = TitleFactory()
    f = stored_file(title, **file_kw) if stored else add_file(title, **file_kw)
    catalog.mirrors_set(
        media_file=f,
        mirrors=[{"host": f"host{i}", "url": url} for i, url in enumerate(urls)],
    )
    return title, f


def report_on(media_file, *, user=None, issue: str = "dead_link") -> Report:
    report, _ = services.report_create(
        actor=user or UserFactory(), title=media_file.title, media_file=media_file, issue=issue
    )
    return report
