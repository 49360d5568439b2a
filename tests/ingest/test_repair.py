"""Repair entry points of the swarm (``ingest.repair``, called by the medic): a re-leech puts new
bytes (or the same bytes again) behind an EXISTING MediaFile; a re-copy moves a Telegram file
to a fresh storage message. Sources are real local HTTP servers and the fake Telegram; jobs run
through the job machinery (Celery eager here; tests/medic/test_worker.py runs one on a real
worker)."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from catalog import services as catalog
from catalog.models import FileStatus, MediaFile, Screenshot, Title, TitleStatus
from ingest.blocked import blocked_hash_add, file_sha256
from ingest.kinds import JobKind
from ingest.pipeline import forward_index, ingest_url_create
from ingest.repair import (
    media_file_channel_messages,
    media_file_source_url,
    recopy_create,
    releech_create,
)
from jobs.engine import job_run
from jobs.models import Job, JobStatus
from swarm.models import Channel, Worker
from swarm.telegram.fake import fake_message_put, fake_sent
from swarm.workers import worker_set_session
from tests.factories import TitleFactory, add_file, file_hash
from tests.support.swarm import FileServe
from vault.backends.local import LocalBackend

pytestmark = pytest.mark.django_db(transaction=True)

MISSING = "0" * 64  # a local vault ref with no object behind it


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def _readable(media_file: MediaFile) -> bytes:
    backend = LocalBackend()

    async def head() -> bytes:
        return b"".join([c async for c in backend.open_range(media_file.ref, 0, 16)])

    return async_to_sync(head)()


@pytest.fixture
def no_tmdb(settings):
    settings.TMDB_API_KEY = ""


@pytest.fixture
def dead_file(no_tmdb):
    """A movie being repaired: its only file's bytes are gone from the vault."""
    title = TitleFactory(title="Old Film", year=2019, status=TitleStatus.REPAIRING)
    media_file = add_file(
        title,
        quality="1080p",
        backend="local",
        ref=MISSING,
        status=FileStatus.DEAD,
        container="mp4",
    )
    catalog.subtitle_tracks_set(
        media_file=media_file,
        tracks=[{"stream_index": 9, "lang": "ger", "label": "", "codec": "subrip", "kind": "text"}],
    )
    return media_file


# --- re-leech ----------------------------------------------------------------------------------


def test_releech_replaces_the_bytes_of_the_existing_file(media, dead_file, file_server):
    file_server.expect_request("/backup/old.mkv").respond_with_handler(FileServe(media.movie))
    MediaFile.objects.filter(pk=dead_file.pk).update(
        backup_url=file_server.url_for("/backup/old.mkv")
    )
    before = MediaFile.objects.count()

    job = releech_create(media_file_id=dead_file.pk)
    done = _job(job.pk)

    assert done.kind == JobKind.RELEECH and done.status == JobStatus.DONE, done.last_error
    assert done.payload["url"] == file_server.url_for("/backup/old.mkv")  # the backup URL
    assert done.steps_done == [
        "source", "hash", "probe", "media", "vault", "attach", "publish", "cleanup", "documents",
    ]  # fmt: skip
    assert MediaFile.objects.count() == before  # no new file: the existing one has new bytes
    f = MediaFile.objects.get(pk=dead_file.pk)
    sha = file_sha256(media.movie)
    assert f.file_hash == sha and f.ref == sha and f.backend == "local"
    assert f.size_bytes == media.movie.stat().st_size
    assert f.status == FileStatus.ACTIVE
    assert (f.quality, f.title_id) == ("1080p", dead_file.title_id)  # the bucket is kept
    assert (f.video_codec, f.height) == ("h264", 240)
    assert _readable(f) == media.movie.read_bytes()[:16]
    # The old bytes' tracks went; the new ones' came (the German track was the old file's).
    assert sorted(f.subtitles.values_list("lang", flat=True)) == ["eng", "fre", "spa"]
    assert f.subtitles.filter(kind="text").exclude(vtt_ref="").count() == 2
    assert Screenshot.objects.filter(media_file=f).count() == 5
    title = Title.objects.get(pk=f.title_id)
    assert title.status == TitleStatus.AVAILABLE  # published again
    assert [x["file_hash"] for x in title.document["files"]] == [sha]
    assert done.state["result"]["same_bytes"] is False
    assert not (django_settings.INGEST_WORK_DIR / f"job-{job.pk}").exists()


def test_releech_of_the_same_bytes_only_stores_them_again(media, no_tmdb, file_server):
    sha = file_sha256(media.episode1)
    title = TitleFactory(status=TitleStatus.REPAIRING)
    f = add_file(title, file_hash=sha, ref=sha, backend="local", status=FileStatus.DEAD)
    catalog.subtitle_tracks_set(
        media_file=f,
        tracks=[{"stream_index": 2, "lang": "eng", "label": "", "codec": "subrip", "kind": "text"}],
    )
    assert not LocalBackend().path(sha).exists()
    file_server.expect_request("/same.mkv").respond_with_handler(FileServe(media.episode1))

    job = releech_create(media_file_id=f.pk, url=file_server.url_for("/same.mkv"))
    done = _job(job.pk)

    assert done.status == JobStatus.DONE, done.last_error
    assert "probe" not in done.steps_done and "media" not in done.steps_done
    assert done.state["result"]["same_bytes"] is True
    f.refresh_from_db()
    assert (f.file_hash, f.ref, f.status) == (sha, sha, FileStatus.ACTIVE)
    assert LocalBackend().path(sha).read_bytes() == media.episode1.read_bytes()
    assert list(f.subtitles.values_list("lang", flat=True)) == ["eng"]  # same bytes, same tracks
    assert Title.objects.get(pk=title.pk).status == TitleStatus.AVAILABLE


def test_releech_defaults_to_the_url_the_file_was_ingested_from(media, no_tmdb, file_server):
    """No backup URL: the source is the ingest job's URL (recorded in its payload, and the file
    it attached in its state)."""
    file_server.expect_request(f"/{media.movie.name}").respond_with_handler(FileServe(media.movie))
    url = file_server.url_for(f"/{media.movie.name}")
    ingest = ingest_url_create(url=url)
    f = MediaFile.objects.get(pk=_job(ingest.pk).state["result"]["media_file_id"])
    assert f.backup_url == ""
    assert media_file_source_url(media_file=f) == url
    LocalBackend().path(f.ref).unlink()  # the bytes are lost
    catalog.media_file_set_status(media_file=f, status=FileStatus.DEAD)

    job = releech_create(media_file_id=f.pk)
    done = _job(job.pk)
    assert done.status == JobStatus.DONE, done.last_error
    assert done.payload["url"] == url
    f.refresh_from_db()
    assert f.status == FileStatus.ACTIVE and _readable(f)
    assert MediaFile.objects.count() == 1


def test_releech_refuses_bytes_that_belong_to_another_file(media, dead_file, file_server):
    other = add_file(TitleFactory(), file_hash=file_sha256(media.episode2))
    file_server.expect_request("/x.mkv").respond_with_handler(FileServe(media.episode2))
    job = releech_create(media_file_id=dead_file.pk, url=file_server.url_for("/x.mkv"))
    done = _job(job.pk)
    assert done.status == JobStatus.FAILED
    assert f"media file {other.pk}" in done.last_error
    f = MediaFile.objects.get(pk=dead_file.pk)
    assert (f.ref, f.status) == (MISSING, FileStatus.DEAD)  # nothing changed
    assert not (django_settings.INGEST_WORK_DIR / f"job-{job.pk}").exists()


@pytest.mark.parametrize("case", ["404", "html", "not_video", "blocked"])
def test_releech_failures_leave_the_file_as_it_was(case, media, dead_file, file_server):
    if case == "404":
        file_server.expect_request("/f").respond_with_data("gone", status=404)
        reason = "HTTP 404"
    elif case == "html":
        file_server.expect_request("/f").respond_with_data(
            "<html>login</html>", content_type="text/html"
        )
        reason = "not a media file"
    elif case == "not_video":
        file_server.expect_request("/f").respond_with_handler(FileServe(media.corrupt))
        reason = "not a playable video"
    else:
        blocked_hash_add(sha256=file_sha256(media.episode1), reason="DMCA")
        file_server.expect_request("/f").respond_with_handler(FileServe(media.episode1))
        reason = "blocked"
    job = releech_create(media_file_id=dead_file.pk, url=file_server.url_for("/f"))
    done = _job(job.pk)
    assert done.status == JobStatus.FAILED
    assert reason in done.last_error
    f = MediaFile.objects.get(pk=dead_file.pk)
    assert (f.file_hash, f.ref, f.status) == (dead_file.file_hash, MISSING, FileStatus.DEAD)
    assert list(f.subtitles.values_list("lang", flat=True)) == ["ger"]
    assert Title.objects.get(pk=f.title_id).status == TitleStatus.REPAIRING


def test_releech_resumes_after_a_transient_error(media, dead_file, file_server):
    """The source drops the connection half-way: the job goes back to the queue with its
    download kept; the next run continues it with Range and finishes."""
    size = media.episode1.stat().st_size
    serve = FileServe(media.episode1, drop_after=size // 2)
    file_server.expect_request("/ep.mkv").respond_with_handler(serve)
    job = releech_create(media_file_id=dead_file.pk, url=file_server.url_for("/ep.mkv"))
    first = _job(job.pk)
    assert first.status == JobStatus.QUEUED and "connection" in first.last_error
    assert first.steps_done == [] and first.attempts == 1

    Job.objects.filter(pk=job.pk).update(not_before=None)  # the countdown passed
    assert job_run(job_id=job.pk) == JobStatus.DONE
    done = _job(job.pk)
    assert done.attempts == 2 and done.state["source"]["resumed_from"] > 0
    assert serve.ranges[0] == "" and serve.ranges[-1].startswith("bytes=")
    assert MediaFile.objects.get(pk=dead_file.pk).file_hash == file_sha256(media.episode1)


@pytest.mark.django_db(transaction=False)  # the jobs stay queued: nothing is downloaded
def test_releech_create_refuses_and_dedupes(dead_file, django_capture_on_commit_callbacks):
    title = Title.objects.get(pk=dead_file.title_id)
    with pytest.raises(ValidationError, match="no backup URL"):
        releech_create(media_file_id=dead_file.pk)
    with pytest.raises(ValidationError, match="http"):
        releech_create(media_file_id=dead_file.pk, url="ftp://example.org/f.mkv")
    with pytest.raises(ValidationError, match="No media file"):
        releech_create(media_file_id=dead_file.pk + 1000, url="http://example.org/f.mkv")
    # While one runs for the file, asking again returns it (the medic's next pass, an admin).
    with django_capture_on_commit_callbacks(execute=False) as sent:
        first = releech_create(media_file_id=dead_file.pk, url="http://example.org/a.mkv")
        again = releech_create(media_file_id=dead_file.pk, url="http://example.org/b.mkv")
    assert again.pk == first.pk and len(sent) == 1
    assert Job.objects.filter(kind=JobKind.RELEECH).count() == 1
    # A taken-down title is never re-fetched.
    Job.objects.filter(pk=first.pk).update(status=JobStatus.CANCELLED)
    catalog.title_set_status(title=title, status=TitleStatus.BANNED)
    with pytest.raises(ValidationError, match="taken down"):
        releech_create(media_file_id=dead_file.pk, url="http://example.org/a.mkv")


# --- re-copy -----------------------------------------------------------------------------------


@pytest.fixture
def telegram_setup(fake_telegram, no_tmdb):
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")
    storage = Channel.objects.create(name="Store", kind=Channel.Kind.STORAGE, chat_id=-1002)
    return worker, storage


def _lose_fake_message(chat_id: int, message_id: int) -> None:
    """The message disappears from the fake Telegram (deleted by someone, channel purged)."""
    from swarm.telegram import fake

    fake._store().getdel(f"{fake.K}msg:{chat_id}:{message_id}")


def _forwarded_file(media, storage) -> tuple[MediaFile, Job]:
    """A file indexed by forward-to-index with a copy in the storage channel."""
    fake_message_put(
        chat_id=-100777, message_id=55, path=media.episode1, file_name=media.episode1.name
    )
    job = forward_index(chat_id=-100777, message_id=55, copy_to_storage=True)
    done = _job(job.pk)
    assert done.status == JobStatus.DONE, done.last_error
    return MediaFile.objects.get(pk=done.state["result"]["media_file_id"]), done


def test_recopy_copies_the_storage_message_and_points_the_file_there(media, telegram_setup):
    worker, storage = telegram_setup
    f, _ = _forwarded_file(media, storage)
    old_ref = f.ref
    catalog.media_file_set_status(media_file=f, status=FileStatus.DEAD)
    assert f.file_hash not in json.dumps(Title.objects.get(pk=f.title_id).document)
    tracks = sorted(f.subtitles.values_list("id", flat=True))

    job = recopy_create(media_file_id=f.pk)
    done = _job(job.pk)

    assert done.kind == JobKind.RECOPY and done.status == JobStatus.DONE, done.last_error
    assert done.steps_done == ["copy", "verify", "attach", "publish", "cleanup", "documents"]
    assert done.worker_id == worker.pk
    f.refresh_from_db()
    copied = done.state["copied"]
    assert copied["chat_id"] == storage.chat_id
    assert copied["source"] == [int(x) for x in old_ref.split(":")]  # its own storage message
    assert (f.backend, f.ref) == ("telegram", f"{storage.chat_id}:{copied['message_id']}")
    assert f.ref != old_ref
    assert (f.tg_raw["chat_id"], f.tg_raw["message_id"]) == (storage.chat_id, copied["message_id"])
    assert f.status == FileStatus.ACTIVE
    assert f.file_hash == file_sha256(media.episode1)
    assert sorted(f.subtitles.values_list("id", flat=True)) == tracks  # same bytes: kept
    copies = [m for m in fake_sent() if m["op"] == "copy" and m["chat_id"] == storage.chat_id]
    assert copies[-1]["message_id"] == copied["message_id"]
    # The document (an episode's files here) lists the file again.
    assert f.file_hash in json.dumps(Title.objects.get(pk=f.title_id).document)


def test_recopy_falls_back_to_the_forward_origin_when_the_storage_message_is_gone(
    media, telegram_setup
):
    _, storage = telegram_setup
    f, _ = _forwarded_file(media, storage)
    _lose_fake_message(*[int(x) for x in f.ref.split(":")])
    assert media_file_channel_messages(media_file=f)[-1] == (-100777, 55)

    job = recopy_create(media_file_id=f.pk)
    done = _job(job.pk)
    assert done.status == JobStatus.DONE, done.last_error
    assert done.state["copied"]["source"] == [-100777, 55]
    f.refresh_from_db()
    assert f.ref == f"{storage.chat_id}:{done.state['copied']['message_id']}"


def test_recopy_refuses_a_message_with_other_bytes(media, telegram_setup):
    _, storage = telegram_setup
    f, _ = _forwarded_file(media, storage)
    before = (f.ref, f.tg_raw)
    # Every message that carried the file now carries another one (edited media).
    for chat_id, message_id in media_file_channel_messages(media_file=f):
        fake_message_put(chat_id=chat_id, message_id=message_id, path=media.episode2)
    job = recopy_create(media_file_id=f.pk)
    done = _job(job.pk)
    assert done.status == JobStatus.FAILED
    assert "other bytes" in done.last_error
    f.refresh_from_db()
    assert (f.ref, f.tg_raw) == before


def test_recopy_fails_when_no_message_can_be_copied(media, telegram_setup):
    worker, storage = telegram_setup
    f, _ = _forwarded_file(media, storage)
    for chat_id, message_id in media_file_channel_messages(media_file=f):
        _lose_fake_message(chat_id, message_id)
    done = _job(recopy_create(media_file_id=f.pk).pk)
    assert done.status == JobStatus.FAILED
    assert "no message carrying the file could be copied" in done.last_error
    assert "MESSAGE_ID_INVALID" in done.last_error
    worker.refresh_from_db()
    assert worker.error_count == 0  # a missing message is not the account's fault


def test_recopy_create_refuses_files_outside_telegram(dead_file, fake_telegram):
    with pytest.raises(ValidationError, match="No Telegram message"):
        recopy_create(media_file_id=dead_file.pk)
    f = add_file(TitleFactory(), file_hash=file_hash(), backend="telegram", ref="-1002:9")
    with pytest.raises(ValidationError, match="storage channel"):
        recopy_create(media_file_id=f.pk)
