"""Auto-switch: the primary copy of a file disappears under a playing stream; the next
requests go to a live mirror of the same bytes at once, the file is marked dead and the medic
opens a repair that re-copies the primary from that mirror."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

import vault
from catalog import services as catalog
from catalog.models import FileStatus, MediaFile
from ingest.local import media_ingest
from medic.models import Repair
from swarm.storage.account import TelegramBackend
from tests.support.telegram import CHAT, FakeTelegram
from tests.vault.test_stream import signed_path, telegram_file
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


@pytest.mark.django_db(transaction=True)
def test_a_deleted_telegram_message_switches_to_the_mirror(media, fake_telegram, file_server):
    """The primary copy is a message in a storage channel; someone deletes it (and its file
    reference expires, as Telegram's do): the stream breaks off, the next request is sent to
    the mirror, the file is dead, and the medic's repair copies the bytes back from the mirror
    into the vault, where the stream finds them again."""
    cloud = FakeTelegram()
    backend = TelegramBackend(cloud, chat_id=CHAT)
    data = media.movie.read_bytes()
    media_file = telegram_file(backend, data, container="mkv")
    file_server.expect_request("/f/tg-copy").respond_with_data(
        data, content_type="video/x-matroska"
    )
    mirror = file_server.url_for("/f/tg-copy")
    catalog.mirrors_set(
        media_file=media_file,
        mirrors=[{"host": "Good Host", "url": mirror, "icon": "", "status": "active"}],
    )
    client = AsyncClient()
    url = signed_path(media_file.file_hash)

    async def fetch(range_: str):
        response = await client.get(url, headers={"Range": range_})
        if not response.streaming:
            return response, response.content
        return response, b"".join([c async for c in response.streaming_content])

    vault.register(backend)
    try:
        playing, body = async_to_sync(fetch)("bytes=0-99")
        assert playing.status_code == 206 and body == data[:100]

        message_id = int(media_file.ref.rsplit(":", 1)[-1])
        document_id = cloud.messages[message_id]
        async_to_sync(cloud.delete_messages)(CHAT, message_id)
        cloud.documents[document_id]["reference"] = b"expired"

        _, body = async_to_sync(fetch)("bytes=100-199")
        assert body == b""
        switched, _ = async_to_sync(fetch)("bytes=100-199")
        assert switched.status_code == 302
        assert switched["Location"] == mirror
        # Celery runs eagerly here, so the repair's re-leech from the mirror has already run.
        repair = Repair.objects.get(media_file=media_file)
        assert repair.needs_new_bytes and repair.sources_tried == [mirror]
        recopied = MediaFile.objects.get(pk=media_file.pk)
        assert recopied.status == FileStatus.ACTIVE and recopied.backend == "local"
        targets.clear()
        back, body = async_to_sync(fetch)("bytes=0-99")
        assert back.status_code == 206 and body == data[:100]
    finally:
        vault.unregister("telegram")
