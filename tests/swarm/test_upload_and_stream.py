"""Uploads and streams never compete for the same Telegram accounts: a URL ingest into the
Telegram backend (the ``heavy`` worker downloads and runs ffmpeg; the ``telegram`` worker's
ingest accounts upload) succeeds while the stream process serves ranges of another file on its
stream accounts — whichever starts first — and every upload is made by an ingest account."""

from __future__ import annotations

import httpx
import pytest
from asgiref.sync import async_to_sync

import vault
from catalog.models import MediaFile
from ingest.pipeline import ingest_url_create
from jobs.models import Job, JobStatus
from swarm.models import Channel, Worker, WorkerRole
from swarm.storage.vault_entry import TelegramStorage
from swarm.telegram import runtime
from swarm.telegram.fake import fake_sent
from swarm.telegram.runtime import runtime_for
from swarm.workers import worker_set_session
from tests.support.media import _stop, start_uvicorn
from tests.support.swarm import Ticker, wait_for
from tests.swarm.test_vault_runtime import telegram_stored
from tests.vault.test_stream import signed_path

pytestmark = pytest.mark.django_db(transaction=True)

STORAGE, OTHER_MESSAGE = -1007700000001, 900_000  # far above the ids uploads get


def _accounts() -> tuple[Worker, Worker]:
    Channel.objects.create(name="Storage", kind=Channel.Kind.STORAGE, chat_id=STORAGE)
    ingest = Worker.objects.create(name="uploader", role=WorkerRole.INGEST)
    stream = Worker.objects.create(name="streamer", role=WorkerRole.STREAM)
    for w in (ingest, stream):
        worker_set_session(worker=w, session_string=f"session-{w.name}")
    return ingest, stream


def _stored_elsewhere(tmp_path) -> tuple[MediaFile, bytes]:
    return telegram_stored(
        tmp_path / "other.mkv", chat_id=STORAGE, message_id=OTHER_MESSAGE, size=3 * 1024 * 1024 + 11
    )


class RangeReader:
    """Reads a range of the other file through the stream process, again and again."""

    def __init__(self, url: str, media_file: MediaFile, data: bytes) -> None:
        self.url, self.hash, self.data = url, media_file.file_hash, data
        self.statuses: list[int] = []

    def once(self) -> None:
        r = httpx.get(self.url + signed_path(self.hash), headers={"Range": "bytes=1048570-1048599"})
        ok = r.status_code == 206 and r.content == self.data[1048570:1048600]
        self.statuses.append(r.status_code if ok else -r.status_code)


@pytest.mark.parametrize("first", ["stream", "workers"])
def test_an_ingest_uploads_on_ingest_accounts_while_the_stream_process_serves(
    first, media, swarm_workers, file_server, fake_telegram, settings, tmp_path
):
    settings.TMDB_API_KEY = ""
    ingest_account, stream_account = _accounts()
    other, data = _stored_elsewhere(tmp_path)
    file_server.expect_request(f"/{media.movie.name}").respond_with_data(
        media.movie.read_bytes(), content_type="video/x-matroska"
    )
    env = {"VAULT_DEFAULT_BACKEND": "telegram"}

    def start_workers():
        swarm_workers.start(queues="heavy", concurrency=1, **env)
        swarm_workers.start(queues="telegram", pool="threads", concurrency=2, **env)

    server = None
    try:
        if first == "workers":
            start_workers()
        server = start_uvicorn(settings.VAULT_DIR, TELEGRAM_GATEWAY="fake")
        reader = RangeReader(server.url, other, data)
        reader.once()
        if first == "stream":
            start_workers()
        job = ingest_url_create(url=file_server.url_for(f"/{media.movie.name}"))
        ticker = Ticker(reader.once, every=0.3)
        ticker.start()
        try:
            wait_for(
                lambda: Job.objects.get(pk=job.pk).status in (JobStatus.DONE, JobStatus.FAILED),
                timeout=120,
                what="the ingest",
            )
        finally:
            ticker.stopped.set()
            ticker.join(5)
        reader.once()
        # What the ingest queued after it (the browser rendition and its document rebuild)
        # ends before the workers stop: a slower machine is still at it here.
        wait_for(
            lambda: (
                not Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists()
            ),
            timeout=120,
            what="the ingest's follow-up jobs",
        )
    finally:
        if server is not None:
            _stop(server.proc)

    done = Job.objects.get(pk=job.pk)
    assert done.status == JobStatus.DONE, done.last_error
    assert done.attempts == 1, done.last_error
    stored = MediaFile.objects.get(pk=done.state["result"]["media_file_id"])
    assert stored.backend == "telegram" and stored.ref.startswith(f"{STORAGE}:")
    uploads = [m for m in fake_sent() if m["op"] == "document"]
    assert uploads, "nothing was uploaded"
    assert {m["worker_id"] for m in uploads} == {ingest_account.pk}
    assert {m["chat_id"] for m in uploads} == {STORAGE}
    # The stream process served every range, before, during and after the ingest.
    assert len(reader.statuses) >= 3 and set(reader.statuses) == {206}, reader.statuses
    assert stream_account.pk not in {m["worker_id"] for m in fake_sent()}


def test_a_celery_worker_reads_through_the_telegram_queue_never_on_stream_accounts(
    fake_telegram, tmp_path, monkeypatch
):
    """A Celery worker other than the telegram one (``heavy`` making a rendition) starts no
    stream account: its reads are done by the telegram queue's ingest accounts (eager here)."""
    _accounts()
    other, data = _stored_elsewhere(tmp_path)
    monkeypatch.setitem(runtime._process, "kind", "worker")
    storage = TelegramStorage()

    async def read(start: int, end: int) -> bytes:
        return b"".join([c async for c in storage.open_range(other.ref, start, end)])

    assert async_to_sync(storage.stat)(other.ref).size == len(data)
    assert async_to_sync(read)(5, len(data)) == data[5:]
    backend = vault.registered("telegram")
    assert backend is not None and backend.role == WorkerRole.INGEST  # never the stream one


def test_a_process_holding_stream_accounts_uploads_with_ingest_accounts(fake_telegram, tmp_path):
    """Where the stream runtime's backend is the registered one (the stream process, the
    embedded default), a put still goes to an ingest account — never a stream account."""
    ingest, _ = _accounts()
    runtime_for(WorkerRole.STREAM).refresh(force=True)
    backend = vault.get_backend("telegram")
    assert backend.role == WorkerRole.STREAM
    (tmp_path / "poster.jpg").write_bytes(b"jpeg bytes")
    stored = async_to_sync(backend.put)(tmp_path / "poster.jpg", file_name="poster.jpg")
    assert stored.ref.startswith(f"{STORAGE}:")
    assert [m["worker_id"] for m in fake_sent() if m["op"] == "document"] == [ingest.pk]
