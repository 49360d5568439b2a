"""Live thumbnails: a frame of the newest HLS segment (real ffmpeg) stored in the vault becomes
the stream's thumbnail, served at /api/live/img/ and shown on the directory's cards; a new
one replaces (and deletes) the old; a stream with no segment yet is left alone; the beat task
runs on a real worker; the recording's title takes the last thumbnail as its poster."""

from __future__ import annotations

import io
import subprocess

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from PIL import Image

from catalog.models import Title
from core.refs import split_tagged
from live import services, tasks, thumbnails
from live.models import Stream, StreamStatus
from tests.factories import LiveStreamFactory
from tests.support.swarm import wait_for
from vault import NotFound, get_backend


def _segments(hls, public_id: str, colour: str = "red") -> None:
    """Two 1 s segments and their playlist, as nginx-rtmp writes them (ffmpeg's HLS muxer)."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"color=c={colour}:size=320x180:rate=25", "-t", "2", "-c:v", "libx264",
         "-g", "25", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
         "-hls_segment_filename", str(hls / f"{public_id}-%d.ts"),
         str(hls / f"{public_id}.m3u8")],
        check=True,
    )  # fmt: skip


@pytest.fixture
def hls(tmp_path, settings, monkeypatch):
    folder = tmp_path / "hls"
    folder.mkdir()
    settings.LIVE_HLS_DIR = str(folder)
    monkeypatch.setenv("LIVE_HLS_DIR", str(folder))  # for a worker process
    return folder


def _gone(ref: str) -> bool:
    backend, key = split_tagged(ref)
    try:
        async_to_sync(get_backend(backend).stat)(key)
    except NotFound:
        return True
    return False


@pytest.mark.django_db
def test_a_frame_of_the_newest_segment_becomes_the_thumbnail(hls):
    stream = LiveStreamFactory()
    assert thumbnails.thumbnail_take(stream_id=stream.pk) is None  # nothing written yet
    _segments(hls, stream.public_id)
    first = thumbnails.thumbnail_take(stream_id=stream.pk)
    assert first and Stream.objects.get(pk=stream.pk).thumbnail == first
    served = Client().get(f"/api/live/img/{first}")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    picture = Image.open(io.BytesIO(b"".join(served.streaming_content) if served.streaming
                                    else served.content))  # fmt: skip
    assert picture.size == (320, 180)
    red, green, blue = picture.convert("RGB").getpixel((160, 90))
    assert red > 200 and green < 60 and blue < 60
    item = Client().get("/api/live/streams/").json()["results"][0]
    assert item["thumbnail"] == f"/api/live/img/{first}"
    assert f'src="/api/live/img/{first}"' in Client().get("/live/").content.decode()
    # The next take replaces the picture and deletes the old one.
    _segments(hls, stream.public_id, colour="blue")
    second = thumbnails.thumbnail_take(stream_id=stream.pk)
    assert second != first and _gone(first)
    assert Client().get(f"/api/live/img/{first}").status_code == 404


@pytest.mark.django_db
def test_only_live_streams_and_real_frames(hls):
    offline = LiveStreamFactory(status=StreamStatus.OFFLINE)
    _segments(hls, offline.public_id)
    assert thumbnails.thumbnail_take(stream_id=offline.pk) is None
    broken = LiveStreamFactory()
    (hls / f"{broken.public_id}.m3u8").write_text(f"#EXTM3U\n{broken.public_id}-0.ts\n")
    (hls / f"{broken.public_id}-0.ts").write_bytes(b"not video")
    assert thumbnails.thumbnail_take(stream_id=broken.pk) is None
    escape = LiveStreamFactory(creator=offline.creator, status=StreamStatus.SCHEDULED)
    (hls / f"{escape.public_id}.m3u8").write_text("#EXTM3U\n../../etc/passwd\n")
    assert thumbnails.newest_segment(escape.public_id) is None


@pytest.mark.django_db
def test_the_recording_takes_the_last_thumbnail_as_its_poster(hls, settings, tmp_path):
    stream = LiveStreamFactory()
    _segments(hls, stream.public_id)
    ref = thumbnails.thumbnail_take(stream_id=stream.pk)
    records = tmp_path / "rec"
    records.mkdir()
    settings.LIVE_RECORD_DIR = str(records)
    recording = records / f"{stream.public_id}-1.flv"
    recording.write_bytes(b"FLV")
    services.recording_ingest(path=str(recording))
    title = Title.objects.get(pk=Stream.objects.get(pk=stream.pk).recording_id)
    assert title.poster == ref


def test_the_beat_task_on_a_worker(hls, celery_worker):
    stream = LiveStreamFactory()
    _segments(hls, stream.public_id)
    tasks.thumbnails_take.delay()
    assert wait_for(lambda: Stream.objects.get(pk=stream.pk).thumbnail, timeout=30)
