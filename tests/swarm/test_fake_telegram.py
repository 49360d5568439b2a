"""The fake gateway holds our code to Telegram's rules, so a test on it fails where Telegram
would: reads obey GetFile's offset and limit rules, an upload is refused as kurigram refuses it
(empty, or over 2000 MiB for a user account), and our backend refuses an oversize file itself
— before any byte is sent — as an error no retry can fix."""

from __future__ import annotations

import io

import pytest
from asgiref.sync import async_to_sync
from pyrogram import errors, raw

from ingest import work
from jobs.engine import PermanentError, Requeue
from swarm.models import Channel, Worker, WorkerStatus
from swarm.storage.account import TelegramBackend
from swarm.telegram.fake import (
    MAX_FILE_BYTES,
    FakeGateway,
    fake_inject_error,
    fake_message_put,
    fake_sent,
)
from swarm.telegram.gateway import ChatRef
from swarm.telegram.runtime import telegram_call
from swarm.workers import worker_set_session
from vault import TooLarge

CHAT = -1005500000001


@pytest.fixture
def client(fake_telegram):
    gateway = FakeGateway()

    async def start():
        await gateway.start_account(7, session="s", proxy="")
        await gateway.chats_warm(7, [ChatRef(CHAT)])

    async_to_sync(start)()
    return gateway.client(7)


def _get_file(client, offset: int, limit: int):
    async def go():
        session = await client.get_session(2, is_media=True)
        location = raw.types.InputDocumentFileLocation(
            id=1, access_hash=0, file_reference=b"", thumb_size=""
        )
        return await session.invoke(
            raw.functions.upload.GetFile(location=location, offset=offset, limit=limit)
        )

    return async_to_sync(go)()


@pytest.mark.parametrize(
    ("offset", "limit", "error"),
    [
        (100, 4096, errors.OffsetInvalid),  # not a multiple of 4096
        (1024 * 1024 - 4096, 8192, errors.OffsetInvalid),  # crosses a 1 MiB boundary
        (0, 1000, errors.LimitInvalid),  # not a multiple of 4096
        (0, 3 * 4096, errors.LimitInvalid),  # does not divide 1 MiB
    ],
)
def test_reads_obey_getfiles_rules(client, offset, limit, error):
    with pytest.raises(error):
        _get_file(client, offset, limit)


def test_uploads_are_refused_as_kurigram_refuses_them(client, tmp_path):
    huge = tmp_path / "huge.mkv"
    with open(huge, "wb") as f:  # sparse: no disk used
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ValueError, match="2000 MiB"):
        async_to_sync(client.send_document)(CHAT, str(huge))
    with pytest.raises(ValueError, match="0 B"):
        async_to_sync(client.send_document)(CHAT, io.BytesIO(b""))
    assert fake_sent() == []


def test_our_backend_refuses_an_oversize_file_before_sending_anything(client, tmp_path):
    huge = tmp_path / "huge.mkv"
    with open(huge, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    backend = TelegramBackend(client, chat_id=CHAT)
    with pytest.raises(TooLarge, match="TELEGRAM_MAX_FILE_BYTES"):
        async_to_sync(backend.put)(huge)
    assert fake_sent() == []


def test_an_ingest_of_an_oversize_file_fails_for_good(monkeypatch, client, tmp_path):
    backend = TelegramBackend(client, chat_id=CHAT)
    monkeypatch.setattr(work, "get_backend", lambda name: backend)
    huge = tmp_path / "huge.mkv"
    with open(huge, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(PermanentError, match="over"):
        work.put(huge, "huge.mkv", backend="telegram")


def test_a_file_a_user_posted_reads_back_within_the_rules(client, tmp_path):
    data = bytes(range(256)) * 8192  # 2 MiB
    (tmp_path / "f").write_bytes(data)
    fake_message_put(chat_id=CHAT, message_id=5, path=tmp_path / "f")
    backend = TelegramBackend(client, chat_id=CHAT)

    async def read():
        return b"".join([c async for c in backend.open_range(f"{CHAT}:5", 1000, 1024 * 1024 + 9)])

    assert async_to_sync(read)() == data[1000 : 1024 * 1024 + 9]


@pytest.mark.django_db
def test_a_revoked_session_kills_the_account_and_requeues_the_work(fake_telegram):
    Channel.objects.create(name="U", kind=Channel.Kind.PUBLIC_UPDATES, chat_id=CHAT)
    worker = Worker.objects.create(name="doomed")
    worker_set_session(worker=worker, session_string="s")
    fake_inject_error(worker_id=worker.pk, message="AUTH_KEY_UNREGISTERED", revoked=True)
    with pytest.raises(Requeue, match="revoked"):
        telegram_call(
            role="ingest",
            task="post",
            op=lambda gw, wid: gw.send_message(wid, CHAT, "hello"),
        )
    worker.refresh_from_db()
    assert worker.status == WorkerStatus.DEAD
