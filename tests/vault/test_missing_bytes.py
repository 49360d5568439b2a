"""A signed URL to a file whose bytes are gone answers 404 before any header — not a 200 with
a Content-Length and no body — marks the file dead and opens a repair."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from catalog.models import FileStatus, MediaFile
from ingest.local import media_ingest, path_ingest
from medic.models import Repair, RepairStatus
from tests.support.signed import signed
from tests.vault.test_stream import signed_path
from vault.backends.local import LocalBackend
from vault.stream import stream_plan
from vault.targets import targets

pytestmark = pytest.mark.django_db


def test_missing_bytes_are_a_404_a_dead_file_and_a_repair(media, client):
    media_file = media_ingest(path=media.movie).media_file
    assert client.get(signed_path(media_file.file_hash)).status_code == 200
    LocalBackend().path(media_file.ref).unlink()
    targets.clear()  # a new lookup window (within one, a burst of ranges costs one stat)
    response = client.get(signed_path(media_file.file_hash), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "bytes_missing"
    assert "Content-Range" not in response
    assert MediaFile.objects.get(pk=media_file.pk).status == FileStatus.DEAD
    repair = Repair.objects.get(media_file=media_file)
    assert repair.status == RepairStatus.OPEN and repair.needs_new_bytes


def test_s_checks_the_host_and_says_nosniff(media, client):
    media_file = media_ingest(path=media.movie).media_file
    ok = client.get(signed_path(media_file.file_hash), HTTP_RANGE="bytes=0-9")
    assert ok.status_code == 206 and ok["X-Content-Type-Options"] == "nosniff"
    bad = client.get(signed_path(media_file.file_hash), HTTP_HOST="evil.example")
    assert bad.status_code == 400  # Django's door: its own host check
    path, _, query = signed_path(media_file.file_hash).partition("?")
    plan = async_to_sync(stream_plan)(
        method="GET",
        path=path,
        query=dict(p.split("=", 1) for p in query.split("&")),
        headers={"host": "evil.example"},
    )  # the lean ASGI door, which skips Django's middleware
    assert plan.status == 400 and b"bad_host" in plan.body


def test_a_missing_chapter_archive_is_a_404_and_a_repair(media, client):
    chapter = path_ingest(path=media.cbz).chapter
    LocalBackend().path(chapter.ref).unlink()
    response = client.get(signed(f"/api/read/{chapter.id}/1"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "missing_archive"
    assert Repair.objects.get(chapter=chapter).status == RepairStatus.OPEN
