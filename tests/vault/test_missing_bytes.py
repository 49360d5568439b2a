"""A signed URL to a file whose bytes are gone answers 404 before any header — not a 200 with
a Content-Length and no body — marks the file dead and opens a repair."""

from __future__ import annotations

import pytest

from catalog.models import FileStatus, MediaFile
from ingest.local import media_ingest
from medic.models import Repair, RepairStatus
from tests.vault.test_stream import signed_path
from vault.backends.local import LocalBackend
from vault.stream import targets

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
