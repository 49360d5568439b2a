"""Going live with real parts: nginx with Debian's RTMP module calls our ``on_publish`` and
``on_publish_done``; ffmpeg publishes a test source with a creator's stream key. A good key
goes LIVE under the stream's public id (the key never reaches a URL), nginx writes HLS that
ffprobe reads, and the end of the broadcast is recorded; a wrong key, a rotated key and a
blocked creator are refused."""

from __future__ import annotations

import io
import json
import subprocess

import httpx
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from websockets.sync.client import connect

from catalog.models import TitleStatus
from core.models import AuditEntry
from demo.live import CHANNEL, live_load
from live import services
from live.models import Creator, Stream, StreamStatus
from tests.factories import StaffFactory, UserFactory
from tests.support.live import SECRET, publish, rtmp_server
from tests.support.signed import signed
from tests.support.swarm import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _channels_need_no_approval(settings):
    """These channels go live at once (approval has its own tests: test_approval.py)."""
    settings.LIVE_CREATORS_AUTO_APPROVE = True


@pytest.fixture
def rtmp(tmp_path, settings):
    with rtmp_server(tmp_path, settings) as server:
        yield server


def _wait(check, timeout: float):
    return wait_for(check, timeout=timeout, interval=0.1)


def test_a_good_key_goes_live_and_nginx_writes_hls(rtmp, client):
    ports, work = rtmp
    creator = services.creator_become(user=UserFactory(), channel_name="Night Owl")
    key = services.stream_key_rotate(creator=creator)
    assert key.startswith("svlive_") and key not in Creator.objects.values_list(
        "stream_key_hash", flat=True
    )
    publisher = publish(ports["rtmp"], key, seconds=9)
    stream = _wait(lambda: Stream.objects.filter(status=StreamStatus.LIVE).first(), 10)
    assert stream.creator == creator and stream.started_at is not None
    playlist = work / "hls" / f"{stream.public_id}.m3u8"
    _wait(playlist.exists, 15)
    assert not list((work / "hls").glob(f"*{key}*"))  # the key is in no file name
    # Through the shipped nginx: the playlist from the app (which counts the viewer), the
    # segments from nginx.
    url = f"http://127.0.0.1:{ports['http']}/live/hls/{stream.public_id}.m3u8"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert "video" in probe.stdout, probe.stderr
    body = httpx.get(url, timeout=10).text
    segment = next(line for line in body.splitlines() if line.endswith(".ts"))
    served = httpx.get(f"http://127.0.0.1:{ports['http']}/live/hls/{segment}", timeout=10)
    assert served.status_code == 200 and served.headers["content-type"] == "video/mp2t"
    assert "etag" in served.headers  # nginx's own file answer, not the app's
    # The chat's WebSocket goes through nginx to the ASGI process.
    origin = f"http://127.0.0.1:{ports['http']}"
    with connect(
        f"ws://127.0.0.1:{ports['http']}/ws/live/{stream.public_id}/",
        additional_headers={"Origin": origin},
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
    assert publisher.wait(timeout=30) == 0, publisher.stderr.read()
    _wait(lambda: Stream.objects.get(pk=stream.pk).status == StreamStatus.OFFLINE, 10)
    stream.refresh_from_db()
    assert stream.ended_at and 5 <= stream.duration_seconds <= 15
    assert Creator.objects.get(pk=creator.pk).total_streams == 1

    # The recording becomes a title of the channel through the ingest pipeline, and streams.
    recorded = _wait(
        lambda: Stream.objects.filter(
            pk=stream.pk, recording__status=TitleStatus.AVAILABLE, recording__files__isnull=False
        ).first(),
        60,
    )
    title = recorded.recording
    assert title.title == "Night Owl: Night Owl live"
    media_file = title.files.get()
    assert media_file.duration and media_file.duration >= 5
    ranged = client.get(signed(f"/s/{media_file.file_hash}"), HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206 and ranged["Content-Length"] == "100"


def test_wrong_rotated_and_blocked_keys_are_refused(rtmp):
    ports, _ = rtmp
    creator = services.creator_become(user=UserFactory(), channel_name="Quiet Room")
    old = services.stream_key_rotate(creator=creator)
    new = services.stream_key_rotate(creator=creator)
    for key in ("svlive_not-a-real-key", old, "no-prefix"):
        publisher = publish(ports["rtmp"], key, seconds=3)
        assert publisher.wait(timeout=30) != 0
    Creator.objects.filter(pk=creator.pk).update(is_blocked=True)
    assert publish(ports["rtmp"], new, seconds=3).wait(timeout=30) != 0
    assert not Stream.objects.exists()


def test_the_callbacks_need_the_secret(client, settings):
    settings.LIVE_RTMP_CALLBACK_SECRET = SECRET
    assert client.post("/api/live/rtmp/publish", {"name": "x"}).status_code == 403
    assert client.post("/api/live/rtmp/publish?secret=wrong", {"name": "x"}).status_code == 403
    assert client.get(f"/api/live/rtmp/publish?secret={SECRET}").status_code == 405
    settings.LIVE_RTMP_CALLBACK_SECRET = ""
    assert client.post("/api/live/rtmp/publish?secret=", {"name": "x"}).status_code == 403


def test_an_admin_ends_a_broadcast_at_once(rtmp, client):
    ports, _ = rtmp
    creator = services.creator_become(user=UserFactory(), channel_name="Long Show")
    publisher = publish(ports["rtmp"], services.stream_key_rotate(creator=creator), seconds=60)
    stream = _wait(lambda: Stream.objects.filter(status=StreamStatus.LIVE).first(), 10)
    client.force_login(StaffFactory())
    response = client.post(
        "/admin/live/stream/",
        {"action": "end_stream", ACTION_CHECKBOX_NAME: [stream.pk]},
    )
    assert response.status_code == 302
    assert publisher.wait(timeout=10) != 0  # nginx dropped the encoder
    stream.refresh_from_db()
    assert stream.status == StreamStatus.OFFLINE and stream.ended_at is not None
    assert AuditEntry.objects.filter(action="stream_end").count() == 1
    # A blocked creator's key is refused from then on.
    services.creator_block_set(creator=creator, blocked=True, actor=None)


def test_a_takedown_drops_the_publisher_and_hides_the_stream(rtmp, client):
    ports, work = rtmp
    creator = services.creator_become(user=UserFactory(), channel_name="Pirate Radio")
    publisher = publish(ports["rtmp"], services.stream_key_rotate(creator=creator), seconds=60)
    stream = _wait(lambda: Stream.objects.filter(status=StreamStatus.LIVE).first(), 10)
    assert client.get(f"/api/live/streams/{stream.public_id}/").status_code == 200
    recording = f"{stream.public_id}-*.flv"
    assert _wait(lambda: list((work / "rec").glob(recording)), 10)  # nginx is recording
    client.force_login(StaffFactory())
    response = client.post(
        "/admin/live/stream/", {"action": "take_down", ACTION_CHECKBOX_NAME: [stream.pk]}
    )
    assert response.status_code == 302
    assert publisher.wait(timeout=10) != 0  # nginx dropped the encoder at once
    stream.refresh_from_db()
    assert stream.is_taken_down and stream.status == StreamStatus.OFFLINE
    assert client.get(f"/api/live/streams/{stream.public_id}/").status_code == 404
    assert client.get(f"/live/{stream.public_id}").status_code == 404
    assert AuditEntry.objects.filter(action="stream_takedown").count() == 1
    # nginx-rtmp still reports the recording; it is deleted, never a title.
    _wait(lambda: not list((work / "rec").glob(recording)), 15)
    stream.refresh_from_db()
    assert stream.recording is None


def test_the_demo_goes_live_with_the_documented_command(rtmp, settings):
    """``manage.py live_demo`` (docs/live.md, scripts/dev.sh): ffmpeg publishes to nginx-rtmp
    with a fresh key of the demo channel; the broadcast is live, then ends."""
    ports, work = rtmp
    live_load(io.StringIO())
    settings.LIVE_RTMP_URL = f"rtmp://127.0.0.1:{ports['rtmp']}/live"
    settings.SITE_URL = ports["app"]
    out = io.StringIO()
    call_command("live_demo", "--seconds", "6", stdout=out)
    stream = Stream.objects.get(creator__channel_name=CHANNEL, started_at__isnull=False)
    assert f"/live/{stream.public_id}" in out.getvalue()
    _wait(lambda: Stream.objects.get(pk=stream.pk).status == StreamStatus.OFFLINE, 10)
    assert (work / "hls").exists() and list((work / "rec").glob(f"{stream.public_id}-*.flv"))
