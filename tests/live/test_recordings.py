"""A broadcast's recording reaches the workers through the vault (``LIVE_RECORD_VAULT``), not a
directory they share with the RTMP node: the node puts it in S3 (a real local S3 server) and
removes it from its disk, and the ingest job copies it from there — here with the recording
directory gone before the job runs, as on a worker on another machine."""

from __future__ import annotations

import shutil

import pytest

from catalog.models import TitleStatus
from core.models import AdminAlert
from jobs.models import Job, JobStatus
from live import services
from live.models import Stream
from tests.factories import LiveStreamFactory
from tests.support.media import make_video
from vault.registry import reset as registry_reset

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(settings, tmp_path):
    folder = tmp_path / "rec"
    folder.mkdir()
    settings.LIVE_RECORD_DIR = str(folder)
    settings.LIVE_RECORD_VAULT = "s3"
    return folder


def test_a_recording_is_staged_in_s3_and_ingested_by_a_worker_elsewhere(
    s3, records, settings, django_capture_on_commit_callbacks
):
    settings.VAULT_DEFAULT_BACKEND = "s3"
    stream = LiveStreamFactory()
    recording = make_video(records / f"{stream.public_id}-1.mkv", seconds=2, subtitles=False)
    size = recording.stat().st_size
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = services.recording_ingest(path=str(recording))
    staged = job.payload["staged"]
    assert "path" not in job.payload and staged["backend"] == "s3" and staged["size"] == size
    assert not recording.exists()  # off the RTMP node's disk once the job is committed
    shutil.rmtree(records)  # the worker's machine has no such directory
    for callback in queued:  # the job runs now (eagerly, in this process)
        callback()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    title = Stream.objects.get(pk=stream.pk).recording
    assert title.status == TitleStatus.AVAILABLE
    media_file = title.files.get()
    assert media_file.backend == "s3" and media_file.size_bytes == size
    assert media_file.duration and media_file.duration >= 1


def test_a_recording_the_vault_refuses_stays_on_disk_and_staff_are_told(records, settings):
    settings.VAULT_S3_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.VAULT_S3_BUCKET = "nowhere"
    settings.VAULT_S3_ACCESS_KEY_ID = settings.VAULT_S3_SECRET_ACCESS_KEY = "test"
    registry_reset()
    stream = LiveStreamFactory()
    recording = records / f"{stream.public_id}-1.flv"
    recording.write_bytes(b"FLV recording")
    assert services.recording_ingest(path=str(recording)) is None
    assert recording.exists() and not Job.objects.exists()
    assert Stream.objects.get(pk=stream.pk).recording is None  # a later call may still take it
    alert = AdminAlert.objects.get()
    assert recording.name in alert.message and alert.payload == {"path": str(recording)}
    registry_reset()
