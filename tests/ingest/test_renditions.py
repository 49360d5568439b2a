"""Browser-playable renditions through the real pipeline: ingest queues the rendition job for a
file browsers cannot play as it is (the test movie: MKV with FLAC), the job remuxes it into a
faststart MP4 in the vault, the document says the player gets the rendition, the gatekeeper
signs it (the download stays the original), ``/s/`` serves it as video/mp4, a takedown withdraws
it, ``renditions_make`` catches up old files, and an ffmpeg failure is final and visible."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from rest_framework.test import APIClient

from catalog import services as catalog
from catalog.models import MediaFile
from ingest.kinds import JobKind
from ingest.local import media_ingest
from ingest.renditions import rendition_create
from ingest.work import put
from jobs.engine import job_enqueue
from jobs.models import Job, JobStatus
from medic import services as medic
from tests.factories import StaffFactory, UserFactory
from tests.support.signed import signed
from tests.support.swarm import wait_for
from vault import read_all, resolve_tagged

pytestmark = pytest.mark.django_db
DEVICE = {"HTTP_X_DEVICE_FINGERPRINT": "device-1"}


async def _body(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


@pytest.fixture
def movie(media, django_capture_on_commit_callbacks) -> MediaFile:
    with django_capture_on_commit_callbacks(execute=True):  # the rendition job runs (eager)
        media_file = media_ingest(path=media.movie).media_file
    media_file.refresh_from_db()
    return media_file


def test_ingest_makes_a_rendition_the_player_gets(movie, client):
    assert movie.container == "mkv" and movie.audio_codec == "flac"
    assert movie.playable == "remux" and len(movie.playable_hash) == 64
    job = Job.objects.get(kind=JobKind.RENDITION)
    assert job.status == JobStatus.DONE and job.payload["plan"] == "remux"
    data = async_to_sync(read_all)(*resolve_tagged(movie.playable_ref))
    assert len(data) == movie.playable_size and data[4:8] == b"ftyp"
    doc = client.get(f"/api/titles/{movie.title.short_id}/").json()
    assert doc["files"][0]["playback"] == "rendition"

    api = APIClient()
    api.force_login(UserFactory())
    grant = api.post(f"/api/stream/{movie.file_hash}/", {}, format="json", **DEVICE).json()
    assert f"/s/{movie.playable_hash}?" in grant["url"]
    assert f"/s/{movie.file_hash}?" in grant["download"]["url"]  # the original to download
    played = client.get(grant["url"][grant["url"].index("/s/") :], HTTP_RANGE="bytes=0-99")
    assert played.status_code == 206 and played["Content-Type"] == "video/mp4"
    assert async_to_sync(_body)(played) == data[:100]


def test_a_takedown_withdraws_the_rendition(movie, client, django_capture_on_commit_callbacks):
    url = signed(f"/s/{movie.playable_hash}")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        medic.title_takedown(title=movie.title, actor=StaffFactory(), reason="DMCA #7")
    assert client.get(url).status_code == 404
    with pytest.raises(Exception):  # noqa: B017  (the vault's NotFound)
        async_to_sync(read_all)(*resolve_tagged(movie.playable_ref))


def test_old_files_are_caught_up_and_a_direct_file_needs_nothing(
    movie, django_capture_on_commit_callbacks, capsys
):
    catalog.media_file_playable_set(media_file=movie, playable="")  # as before renditions
    with django_capture_on_commit_callbacks(execute=True):
        call_command("renditions_make")
    assert "1 job(s) queued" in capsys.readouterr().out
    movie.refresh_from_db()
    assert movie.playable == "remux" and movie.playable_hash
    MediaFile.objects.filter(pk=movie.pk).update(container="mp4", audio_codec="aac")
    assert rendition_create(media_file_id=movie.pk) is None
    assert MediaFile.objects.get(pk=movie.pk).playable == "direct"


def test_a_rendition_ffmpeg_cannot_make_is_marked_failed(
    movie, django_capture_on_commit_callbacks, tmp_path, client
):
    garbage = tmp_path / "broken.mkv"
    garbage.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 4096)  # a Matroska header, no video
    stored = put(garbage, "broken.mkv")
    broken = catalog.media_file_add(
        title=movie.title,
        quality="480p",
        file_hash=stored["sha256"],
        size_bytes=stored["size"],
        backend=stored["backend"],
        ref=stored["ref"],
        container="mkv",
        video_codec="h264",
        audio_codec="ac3",
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = rendition_create(media_file_id=broken.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "ffmpeg" in job.last_error
    broken.refresh_from_db()
    assert broken.playable == "failed" and not broken.playable_hash
    files = client.get(f"/api/titles/{movie.title.short_id}/").json()["files"]
    assert {f["quality"]: f["playback"] for f in files}["480p"] == "unknown"


def test_a_lost_rendition_falls_back_to_the_file_and_is_made_again(
    movie, client, django_capture_on_commit_callbacks
):
    backend, ref = resolve_tagged(movie.playable_ref)
    async_to_sync(backend.delete)(ref)
    lost = client.get(signed(f"/s/{movie.playable_hash}"))
    assert lost.status_code == 404 and lost.json()["error"]["code"] == "bytes_missing"
    movie.refresh_from_db()
    assert movie.playable == "remux" and movie.playable_hash == ""  # to be made again
    assert movie.status == "active"  # the file itself is fine: not marked dead
    doc = client.get(f"/api/titles/{movie.title.short_id}/").json()
    assert doc["files"][0]["playback"] == "preparing"
    api = APIClient()
    api.force_login(UserFactory())
    grant = api.post(f"/api/stream/{movie.file_hash}/", {}, format="json", **DEVICE).json()
    assert f"/s/{movie.file_hash}?" in grant["url"]
    # The rendition job was queued when the loss was seen; run it (eager) and it is back.
    job = Job.objects.filter(kind=JobKind.RENDITION, status=JobStatus.QUEUED).get()
    with django_capture_on_commit_callbacks(execute=True):
        job_enqueue(job=job)
    movie.refresh_from_db()
    assert movie.playable_hash and async_to_sync(read_all)(*resolve_tagged(movie.playable_ref))


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_rendition_job_runs_on_a_real_worker(celery_worker, media):
    media_file = media_ingest(path=media.movie).media_file  # commits: the job goes to Redis
    wait_for(
        lambda: MediaFile.objects.filter(pk=media_file.pk).exclude(playable_hash="").exists(),
        timeout=60,
        what="the worker's rendition",
    )
    media_file.refresh_from_db()
    assert media_file.playable == "remux"
    assert async_to_sync(read_all)(*resolve_tagged(media_file.playable_ref))[4:8] == b"ftyp"
