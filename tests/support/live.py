"""The shipped nginx with Debian's RTMP module on free ports, calling back the app (uvicorn on
the test database) — shared by the live tests and the live browser test — and ffmpeg as the
encoder."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import httpx
from django.core.management import call_command
from django.db import connection

from tests.conftest import require
from tests.support.media import _db_env, _stop, free_port, start_uvicorn

MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
SECRET = "rtmp-callback-secret-for-tests"
SIGNING = "live-tests-signing-secret-0123456789"


@contextmanager
def rtmp_server(tmp_path: Path, settings) -> Iterator[tuple[dict, Path]]:
    """The shipped nginx configuration (``manage.py nginx_conf`` with ``LIVE_RTMP_LISTEN``:
    RTMP in, HLS out, the chat's WebSockets, the control interface) in front of the app
    (uvicorn on the test database, serving both the web and the stream upstreams). Yields
    ({"rtmp", "http", "control", "app"}, work directory); HLS is in work/hls, recordings in
    work/rec."""
    require(MODULE.exists(), "needs libnginx-mod-rtmp (scripts/test.sh installs it)")
    require(shutil.which("ffmpeg") is not None, "needs ffmpeg")
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    hls, rec = tmp_path / "hls", tmp_path / "rec"
    settings.LIVE_RTMP_CALLBACK_SECRET = SECRET
    settings.VAULT_DIR = tmp_path / "vault"
    settings.STREAM_SIGNING_SECRET = SIGNING
    settings.LIVE_HLS_DIR, settings.LIVE_RECORD_DIR = str(hls), str(rec)
    settings.EDGE_DIR = str(tmp_path / "edge")
    app = start_uvicorn(
        tmp_path / "vault",
        LIVE_RTMP_CALLBACK_SECRET=SECRET,
        STREAM_SIGNING_SECRET=SIGNING,
        LIVE_HLS_DIR=str(hls),
        LIVE_RECORD_DIR=str(rec),
        WHITENOISE_USE_FINDERS="true",
        CELERY_TASK_ALWAYS_EAGER="true",  # the recording's ingest runs in the server process
        **_db_env(),
    )
    ports = {"rtmp": free_port(), "http": free_port(), "control": free_port()}
    app_port = app.url.rsplit(":", 1)[-1]
    env = {
        "EDGE_LISTEN": f"127.0.0.1:{ports['http']}",
        "EDGE_USER": "root",
        "EDGE_WORKERS": "1",
        "WEB_PORT": app_port,
        "STREAM_PORT": app_port,
        "LIVE_RTMP_LISTEN": f"127.0.0.1:{ports['rtmp']}",
        "LIVE_RTMP_CONTROL_LISTEN": f"127.0.0.1:{ports['control']}",
    }
    conf = tmp_path / "nginx" / "nginx.conf"
    with mock.patch.dict(os.environ, env):
        call_command("nginx_conf", "--out", str(conf), stdout=io.StringIO())
    nginx = subprocess.Popen(
        ["nginx", "-p", str(conf.parent), "-c", str(conf), "-g", "daemon off;"]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{ports['control']}/", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    settings.LIVE_RTMP_CONTROL_URL = f"http://127.0.0.1:{ports['control']}/control"
    ports["app"] = app.url
    try:
        yield ports, tmp_path
    finally:
        _stop(nginx)
        _stop(app.proc)


def publish(port: int, key: str, seconds: int) -> subprocess.Popen:
    return subprocess.Popen(
        ["ffmpeg", "-nostdin", "-v", "error", "-re",
         "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
         "-c:a", "aac", "-f", "flv", f"rtmp://127.0.0.1:{port}/live/{key}"],
        stderr=subprocess.PIPE,
    )  # fmt: skip
