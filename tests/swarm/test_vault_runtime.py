"""The ``telegram`` vault backend registered by the Telegram runtime (not by hand): a
Telegram-stored MediaFile streams through ``/s/`` on the stream accounts' clients (the fake
gateway's), started lazily by the first request or by the ASGI lifespan."""

from __future__ import annotations

import hashlib
import os

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

import vault
from catalog import services as catalog
from catalog.models import MediaFile
from swarm.models import Worker, WorkerRole
from swarm.storage.accounts_here import RuntimeTelegramBackend
from swarm.telegram.fake import fake_media_id, fake_message_put
from swarm.workers import worker_set_session
from tests.factories import TitleFactory
from tests.vault.test_stream import signed_path

CHAT, MESSAGE = -1009000000001, 41


def telegram_stored(path, *, chat_id: int, message_id: int, size: int) -> tuple[MediaFile, bytes]:
    """A file of ``size`` random bytes in a (fake) storage channel's message, catalogued with
    the location the ingest account saw (as a forward-to-index stores it)."""
    data = os.urandom(size)
    path.write_bytes(data)
    fake_message_put(chat_id=chat_id, message_id=message_id, path=path)
    media_file = catalog.media_file_add(
        title=TitleFactory(),
        quality="720p",
        file_hash=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        backend="telegram",
        ref=f"{chat_id}:{message_id}",
        tg_raw={
            "chat_id": chat_id,
            "message_id": message_id,
            "media_id": fake_media_id(chat_id, message_id),
            "access_hash": 0,
            "file_reference": "",
            "dc_id": 2,
            "size": len(data),
        },
        container="mkv",
    )
    return media_file, data


@pytest.fixture
def telegram_file(tmp_path, fake_telegram):
    return telegram_stored(
        tmp_path / "stored.mkv", chat_id=CHAT, message_id=MESSAGE, size=2 * 1024 * 1024 + 77
    )


def stream_account(name: str = "streamer") -> Worker:
    worker = Worker.objects.create(name=name, role=WorkerRole.STREAM)
    worker_set_session(worker=worker, session_string=f"session-{name}")
    return worker


def fetch(path: str, headers: dict[str, str]):
    async def go():
        response = await AsyncClient().get(path, headers=headers)
        if not response.streaming:
            return response, response.content
        return response, b"".join([c async for c in response.streaming_content])

    return async_to_sync(go)()


@pytest.mark.django_db(transaction=True)
def test_telegram_file_streams_on_the_stream_accounts_the_runtime_started(telegram_file):
    media_file, data = telegram_file
    assert vault.registered("telegram") is None
    # No stream account yet: the runtime starts, registers nothing, the file answers 503.
    response, _ = fetch(signed_path(media_file.file_hash), {})
    assert response.status_code == 503
    assert vault.registered("telegram") is None

    worker = stream_account()
    from swarm.telegram.runtime import runtime_for

    runtime_for(WorkerRole.STREAM).refresh(force=True)  # what the 30 s look for accounts does
    response, body = fetch(signed_path(media_file.file_hash), {"Range": "bytes=1048570-1048589"})
    assert response.status_code == 206 and body == data[1048570:1048590]
    assert response["Content-Type"] == "video/x-matroska"
    response, body = fetch(signed_path(media_file.file_hash), {})
    assert response.status_code == 200 and body == data

    backend = vault.registered("telegram")
    assert isinstance(backend, RuntimeTelegramBackend)
    assert backend.role == WorkerRole.STREAM and set(backend.accounts) == {worker.pk}


@pytest.mark.django_db(transaction=True)
def test_the_first_request_starts_the_stream_runtime(telegram_file):
    media_file, data = telegram_file
    stream_account()
    assert vault.registered("telegram") is None
    response, body = fetch(signed_path(media_file.file_hash), {"Range": "bytes=-100"})
    assert response.status_code == 206 and body == data[-100:]


@pytest.mark.django_db(transaction=True)
def test_asgi_lifespan_starts_and_stops_the_stream_accounts(telegram_file):
    from streamvault.asgi import application

    worker = stream_account()
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict] = []
    states: list[object] = []

    async def receive():
        if sent:  # after startup completed: note what is registered, then shut down
            backend = vault.registered("telegram")
            states.append((type(backend), set(getattr(backend, "accounts", {}))))
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    async_to_sync(application)({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert states == [(RuntimeTelegramBackend, {worker.pk})]
    assert vault.registered("telegram") is None  # shutdown released the accounts


@pytest.mark.django_db(transaction=True)
def test_a_flood_wait_parks_the_stream_account_and_the_read_moves_on(telegram_file):
    from swarm.models import WorkerStatus
    from swarm.telegram.fake import fake_inject_flood

    media_file, data = telegram_file
    flooded, other = stream_account("a"), stream_account("b")
    fake_inject_flood(worker_id=flooded.pk, seconds=120)
    for _ in range(2):  # accounts are taken in turn: one of the two reads meets the flood
        response, body = fetch(signed_path(media_file.file_hash), {"Range": "bytes=0-99"})
        assert response.status_code == 206 and body == data[:100]
    flooded.refresh_from_db()
    other.refresh_from_db()
    assert flooded.status == WorkerStatus.FLOOD_WAIT and flooded.flood_wait_until is not None
    assert other.status != WorkerStatus.FLOOD_WAIT
