"""Auto-switch: the primary copy of a file disappears under a playing stream; the next
requests go to a live mirror of the same bytes at once, the file is marked dead and the medic
opens a repair that re-copies the primary from that mirror."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from catalog import services as catalog
from catalog.models import FileStatus, MediaFile
from ingest.local import media_ingest
from medic.models import Repair
from tests.vault.test_stream import signed_path
from vault.backends.local import LocalBackend
from vault.targets import targets

pytestmark = pytest.mark.django_db


def _body(response) -> bytes:
    async def read() -> bytes:
        return b"".join([c async for c in response.streaming_content])

    return async_to_sync(read)()


def test_a_lost_primary_switches_to_the_mirror(media, client):
    media_file = media_ingest(path=media.movie).media_file
    mirror = "https://mirror.example/f/big-test"
    catalog.mirrors_set(
        media_file=media_file,
        mirrors=[
            {"host": "Dead Host", "url": "https://dead.example/x", "icon": "", "status": "dead"},
            {"host": "Good Host", "url": mirror, "icon": "", "status": "active"},
        ],
    )
    url = signed_path(media_file.file_hash)
    playing = client.get(url, HTTP_RANGE="bytes=0-99")
    assert playing.status_code == 206 and len(_body(playing)) == 100

    LocalBackend().path(media_file.ref).unlink()  # the primary is gone mid-play
    # Within the lookup window the door still thinks the bytes are there: this body breaks off
    # (a player asks again with a Range) and the door stops trusting its memory.
    cut = client.get(url, HTTP_RANGE="bytes=100-199")
    assert _body(cut) == b""
    switched = client.get(url, HTTP_RANGE="bytes=100-199")
    assert switched.status_code == 302 and switched["Location"] == mirror
    assert switched["Cache-Control"] == "no-store"
    assert MediaFile.objects.get(pk=media_file.pk).status == FileStatus.DEAD
    repair = Repair.objects.get(media_file=media_file)
    assert repair.needs_new_bytes
    # The dead file keeps switching (not a 404) while it is repaired.
    targets.clear()
    again = client.get(url, HTTP_RANGE="bytes=0-9")
    assert again.status_code == 302 and again["Location"] == mirror


def test_without_a_live_copy_a_lost_file_is_a_404(media, client):
    media_file = media_ingest(path=media.movie).media_file
    LocalBackend().path(media_file.ref).unlink()
    response = client.get(signed_path(media_file.file_hash), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "bytes_missing"
    targets.clear()
    assert client.get(signed_path(media_file.file_hash)).status_code == 404


def test_the_backup_url_comes_first(media, client):
    media_file = media_ingest(path=media.movie).media_file
    MediaFile.objects.filter(pk=media_file.pk).update(backup_url="https://backup.example/f")
    LocalBackend().path(media_file.ref).unlink()
    response = client.get(signed_path(media_file.file_hash))
    assert response.status_code == 302 and response["Location"] == "https://backup.example/f"
