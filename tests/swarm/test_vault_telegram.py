"""The Telegram backend against a fake at the ``invoke`` boundary: the fake answers with real
Pyrogram objects (``raw.types.upload.File``, ``types.Message``) and raises real Pyrogram
errors, and enforces Telegram's offset/limit rules for ``upload.GetFile``."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from asgiref.sync import async_to_sync
from pyrogram import errors
from pyrogram.file_id import FileId

from catalog.models import MediaFile
from swarm.storage.account import (
    TelegramBackend,
    make_ref,
    parse_ref,
    store_refreshed_location,
)
from tests.factories import TitleFactory, add_file
from tests.support.telegram import CHAT, DC, FakeMediaSession, FakeTelegram
from vault import FloodWaitError, NotFound, VaultError

MiB = 1024 * 1024


@pytest.fixture
def cloud():
    return FakeTelegram()


def read(backend, ref, start, end) -> list[bytes]:
    async def go():
        return [c async for c in backend.open_range(ref, start, end)]

    return async_to_sync(go)()


@pytest.fixture
def stored(cloud):
    data = os.urandom(3 * MiB + 1000)
    backend = TelegramBackend(cloud, chat_id=CHAT)
    sf = async_to_sync(backend.put)(io.BytesIO(data), file_name="movie.mkv")
    return backend, sf, data


def test_put_returns_the_raw_location(stored, cloud):
    _, sf, data = stored
    assert sf.backend == "telegram"
    assert sf.sha256 == hashlib.sha256(data).hexdigest() and sf.size == len(data)
    chat_id, message_id = parse_ref(sf.ref)
    assert chat_id == CHAT
    doc = cloud.documents[cloud.messages[message_id]]
    assert sf.tg_raw == {
        "chat_id": CHAT,
        "message_id": message_id,
        "media_id": doc["id"],
        "access_hash": doc["access_hash"],
        "file_reference": doc["reference"].hex(),
        "dc_id": DC,
        "size": len(data),
    }


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 3 * MiB + 1000),  # whole file
        (5, 17),  # inside the first chunk
        (MiB - 3, MiB + 4),  # across a chunk boundary
        (MiB + 100, 3 * MiB + 1000),  # open-ended tail
        (2 * MiB, 3 * MiB),  # exactly one aligned chunk
        (3 * MiB + 999, 3 * MiB + 1000),  # the last byte
    ],
)
def test_open_range_aligns_offsets_and_trims(stored, cloud, start, end):
    backend, sf, data = stored
    cloud.calls.clear()
    chunks = read(backend, sf.ref, start, end)
    assert b"".join(chunks) == data[start:end]
    offsets = [c[1] for c in cloud.calls]
    assert all(c[2] == MiB for c in cloud.calls)  # limit is always 1 MiB
    assert offsets == list(range(start - start % MiB, end, MiB))
    assert all(c[0] == DC and c[3] == 0 for c in cloud.calls)  # file's DC, no silent sleeps


def test_media_session_is_asked_for_the_files_dc(stored, cloud):
    backend, sf, _ = stored
    read(backend, sf.ref, 0, 10)
    assert cloud.sessions[-1] == (DC, True)


def test_expired_reference_is_refreshed_stored_and_retried_once(cloud):
    data = os.urandom(2 * MiB + 5)
    refreshed = []

    async def on_refresh(ref, tg_raw):
        refreshed.append((ref, tg_raw))

    backend = TelegramBackend(cloud, chat_id=CHAT, on_refresh=on_refresh)
    sf = async_to_sync(backend.put)(io.BytesIO(data))
    _, message_id = parse_ref(sf.ref)
    cloud.expire_reference(message_id)
    cloud.fetches.clear()

    assert b"".join(read(backend, sf.ref, MiB + 1, 2 * MiB + 5)) == data[MiB + 1 :]

    assert cloud.fetches == [(CHAT, message_id)]  # re-fetched by (chat id, message id)
    fresh = cloud.documents[cloud.messages[message_id]]["reference"]
    assert refreshed == [(sf.ref, {**sf.tg_raw, "file_reference": fresh.hex()})]
    # the fresh reference is cached: the next read needs no fetch
    read(backend, sf.ref, 0, 10)
    assert cloud.fetches == [(CHAT, message_id)]


def test_reference_expiring_again_after_refresh_is_an_error(cloud, monkeypatch):
    backend = TelegramBackend(cloud, chat_id=CHAT)
    sf = async_to_sync(backend.put)(io.BytesIO(b"x" * 100))
    _, message_id = parse_ref(sf.ref)
    cloud.expire_reference(message_id)
    real_get = cloud.get_messages

    async def get_then_expire(chat_id, message_ids):
        message = await real_get(chat_id, message_ids)
        cloud.expire_reference(message_ids)  # stale again before we retry
        return message

    monkeypatch.setattr(cloud, "get_messages", get_then_expire)
    with pytest.raises(VaultError, match="expired again"):
        read(backend, sf.ref, 0, 100)


def test_location_is_resolved_from_the_message_when_not_cached(cloud):
    writer = TelegramBackend(cloud, chat_id=CHAT)
    sf = async_to_sync(writer.put)(io.BytesIO(b"abcdef"))
    reader = TelegramBackend(cloud, chat_id=CHAT)  # another process, empty cache
    assert b"".join(read(reader, sf.ref, 2, 5)) == b"cde"
    assert async_to_sync(reader.stat)(sf.ref).size == 6


def test_remembered_location_saves_the_fetch(cloud):
    writer = TelegramBackend(cloud, chat_id=CHAT)
    sf = async_to_sync(writer.put)(io.BytesIO(b"abcdef"))
    reader = TelegramBackend(cloud, chat_id=CHAT)
    reader.remember(sf.ref, sf.tg_raw)
    cloud.fetches.clear()
    assert b"".join(read(reader, sf.ref, 0, 6)) == b"abcdef"
    assert cloud.fetches == []


def test_flood_wait_is_a_typed_error(stored, cloud):
    backend, sf, _ = stored
    cloud.flood = 37
    with pytest.raises(FloodWaitError) as info:
        read(backend, sf.ref, 0, 10)
    assert info.value.seconds == 37 and info.value.dc_id == DC


def test_missing_message_and_bad_refs(cloud):
    backend = TelegramBackend(cloud, chat_id=CHAT)
    with pytest.raises(NotFound):
        read(backend, make_ref(CHAT, 999), 0, 1)
    with pytest.raises(NotFound):
        read(backend, "../etc/passwd", 0, 1)


def test_delete(stored, cloud):
    backend, sf, _ = stored
    assert async_to_sync(backend.delete)(sf.ref) is True
    assert async_to_sync(backend.delete)(sf.ref) is False


def test_file_id_round_trip_matches_pyrogram(stored, cloud):
    """tg_raw holds what Pyrogram's own FileId would rebuild the location from."""
    _, sf, _ = stored
    message = async_to_sync(cloud.get_messages)(CHAT, sf.tg_raw["message_id"])
    file_id = FileId.decode(message.document.file_id)
    assert (file_id.media_id, file_id.access_hash, file_id.dc_id) == (
        sf.tg_raw["media_id"],
        sf.tg_raw["access_hash"],
        sf.tg_raw["dc_id"],
    )


@pytest.mark.django_db
def test_refreshed_location_is_stored_on_the_media_file(cloud):
    backend = TelegramBackend(cloud, chat_id=CHAT, on_refresh=store_refreshed_location)
    sf = async_to_sync(backend.put)(io.BytesIO(b"z" * 50))
    mf = add_file(TitleFactory(), backend="telegram", ref=sf.ref, tg_raw=sf.tg_raw)
    _, message_id = parse_ref(sf.ref)
    cloud.expire_reference(message_id)

    assert b"".join(read(backend, sf.ref, 0, 50)) == b"z" * 50

    fresh = cloud.documents[cloud.messages[message_id]]["reference"].hex()
    assert MediaFile.objects.get(pk=mf.pk).tg_raw["file_reference"] == fresh


def test_a_location_stored_by_another_account_is_refreshed(cloud):
    """FILE_REFERENCE_INVALID (another account's reference) also triggers the re-fetch."""
    writer = TelegramBackend(cloud, chat_id=CHAT)
    sf = async_to_sync(writer.put)(io.BytesIO(b"hello"))
    reader = TelegramBackend(cloud, chat_id=CHAT)
    reader.remember(sf.ref, {**sf.tg_raw, "file_reference": "00"})
    real_invoke = FakeMediaSession.invoke

    async def invalid_for_foreign_reference(self, query, *, sleep_threshold=10):
        if query.location.file_reference == b"\x00":
            raise errors.FileReferenceInvalid()
        return await real_invoke(self, query, sleep_threshold=sleep_threshold)

    FakeMediaSession.invoke = invalid_for_foreign_reference
    try:
        assert b"".join(read(reader, sf.ref, 0, 5)) == b"hello"
    finally:
        FakeMediaSession.invoke = real_invoke
