"""nginx with Debian's RTMP module on free ports, calling back the app (uvicorn on the test
database) — shared by the live tests and the live browser test — and ffmpeg as the encoder."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from django.db import connection

from tests.conftest import require
from tests.support.media import _db_env, _stop, free_port, start_uvicorn

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


@contextmanager
def rtmp_server(tmp_path: Path, settings) -> Iterator[tuple[dict, Path]]:
    """nginx-rtmp + the app; yields ({"rtmp", "http", "app"}, work directory)."""
    require(MODULE.exists(), "needs libnginx-mod-rtmp (scripts/test.sh installs it)")
    require(shutil.which("ffmpeg") is not None, "needs ffmpeg")
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    settings.LIVE_RTMP_CALLBACK_SECRET = SECRET
    settings.VAULT_DIR = tmp_path / "vault"
    app = start_uvicorn(
        tmp_path / "vault",
        LIVE_RTMP_CALLBACK_SECRET=SECRET,
        LIVE_HLS_DIR=str(tmp_path / "hls"),
        WHITENOISE_USE_FINDERS="true",
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
