"""Going live with real parts: nginx with Debian's RTMP module calls our ``on_publish`` and
``on_publish_done``; ffmpeg publishes a test source with a creator's stream key. A good key
goes LIVE under the stream's public id (the key never reaches a URL), nginx writes HLS that
ffprobe reads, and the end of the broadcast is recorded; a wrong key, a rotated key and a
blocked creator are refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection

from catalog.models import TitleStatus
from core.models import AuditEntry
from live import services
from live.models import Creator, Stream, StreamStatus
from tests.conftest import require
from tests.factories import StaffFactory, UserFactory
from tests.support.media import _db_env, _stop, free_port, start_uvicorn
from tests.support.signed import signed
from tests.support.swarm import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
SECRET = "rtmp-callback-secret-for-tests"
CONF = """
load_module {module};
daemon off;
worker_processes 1;
{user}
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{rtmp};
        application live {{
            live on;
            deny play all;
            on_publish {app}/api/live/rtmp/publish?secret={secret};
            on_publish_done {app}/api/live/rtmp/publish-done?secret={secret};
            on_record_done {app}/api/live/rtmp/record-done?secret={secret};
            record all;
            record_path {work}/rec;
            record_unique on;
            push rtmp://127.0.0.1:{rtmp}/hls;
        }}
        application hls {{
            live on;
            allow publish 127.0.0.1;
            deny publish all;
            deny play all;
            hls on;
            hls_path {work}/hls;
            hls_fragment 2s;
            hls_playlist_length 10s;
        }}
    }}
}}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{http};
        location /control {{
            rtmp_control all;
        }}
        location /hls/ {{
            alias {work}/hls/;
            types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}
            add_header Cache-Control no-cache;
        }}
    }}
}}
"""


@pytest.fixture
def rtmp(tmp_path, settings):
    require(MODULE.exists(), "needs libnginx-mod-rtmp (scripts/test.sh installs it)")
    require(shutil.which("ffmpeg") is not None, "needs ffmpeg")
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    settings.LIVE_RTMP_CALLBACK_SECRET = SECRET
    settings.VAULT_DIR = tmp_path / "vault"
    app = start_uvicorn(
        tmp_path / "vault",
        LIVE_RTMP_CALLBACK_SECRET=SECRET,
        LIVE_RECORD_DIR=str(tmp_path / "rec"),
        CELERY_TASK_ALWAYS_EAGER="true",  # the recording's ingest runs in the server process
        **_db_env(),
    )
    ports = {"rtmp": free_port(), "http": free_port()}
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "hls", "rec"):
        (tmp_path / sub).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        CONF.format(
            module=MODULE,
            work=tmp_path,
            app=app.url,
            secret=SECRET,
            user="user root;" if os.geteuid() == 0 else "",
            **ports,
        )
    )
    nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(conf)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{ports['http']}/hls/none", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    settings.LIVE_RTMP_CONTROL_URL = f"http://127.0.0.1:{ports['http']}/control"
    yield ports, tmp_path
    _stop(nginx)
    _stop(app.proc)


def _publish(port: int, key: str, seconds: int) -> subprocess.Popen:
    return subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-re",
         "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
         "-c:a", "aac", "-f", "flv", f"rtmp://127.0.0.1:{port}/live/{key}"],
        stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait(check, timeout: float):
    return wait_for(check, timeout=timeout, interval=0.1)


def test_a_good_key_goes_live_and_nginx_writes_hls(rtmp, client):
    ports, work = rtmp
    creator = services.creator_become(user=UserFactory(), channel_name="Night Owl")
    key = services.stream_key_rotate(creator=creator)
    assert key.startswith("svlive_") and key not in Creator.objects.values_list(
        "stream_key_hash", flat=True
    )
    publisher = _publish(ports["rtmp"], key, seconds=9)
    stream = _wait(lambda: Stream.objects.filter(status=StreamStatus.LIVE).first(), 10)
    assert stream.creator == creator and stream.started_at is not None
    playlist = work / "hls" / f"{stream.public_id}.m3u8"
    _wait(playlist.exists, 15)
    assert not list((work / "hls").glob(f"*{key}*"))  # the key is in no file name
    url = f"http://127.0.0.1:{ports['http']}/hls/{stream.public_id}.m3u8"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert "video" in probe.stdout, probe.stderr
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
        publisher = _publish(ports["rtmp"], key, seconds=3)
        assert publisher.wait(timeout=30) != 0
    Creator.objects.filter(pk=creator.pk).update(is_blocked=True)
    assert _publish(ports["rtmp"], new, seconds=3).wait(timeout=30) != 0
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
    publisher = _publish(ports["rtmp"], services.stream_key_rotate(creator=creator), seconds=60)
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
