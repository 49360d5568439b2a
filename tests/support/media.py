"""Test support shared by every app's tests (loaded by tests/conftest.py as a plugin).

Vault/media part: test media generated once per session with ffmpeg and Pillow (a small MKV
with testsrc video, FLAC audio, two SRT tracks and a PGS bitmap track; a CBZ; a folder of
images; a corrupt file), a live uvicorn serving the ASGI app, and nginx in front of it.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from PIL import Image

from media.pgs import pgs_subtitles
from tests.conftest import ROOT, require


@pytest.fixture(autouse=True)
def _fresh_stream_lookups():
    """The /s/ lookup cache is per process; a test must not see the last test's rows."""
    from vault.targets import targets

    targets.clear()
    yield
    targets.clear()


# --- generated media ------------------------------------------------------------------------

ENG_SRT = (
    "1\n00:00:01,000 --> 00:00:03,500\nHello there\n\n"
    "2\n00:00:06,250 --> 00:00:08,000\nSecond line\n"
)
SPA_SRT = "1\n00:00:02,000 --> 00:00:04,000\nHola\n"
VIDEO_SECONDS = 12


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


def make_video(
    out: Path,
    *,
    seconds: int = VIDEO_SECONDS,
    pattern: str = "testsrc",
    subtitles: bool = True,
    size: str = "320x240",
) -> Path:
    work = out.parent / f".{out.stem}-src"
    work.mkdir(exist_ok=True)
    args = [
        "-f",
        "lavfi",
        "-i",
        f"{pattern}=size={size}:rate=25:duration={seconds}",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}",
    ]
    maps = ["-map", "0:v", "-map", "1:a"]
    codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"]
    codecs += ["-c:a", "flac", "-metadata:s:a:0", "language=eng"]
    if subtitles:
        (work / "eng.srt").write_text(ENG_SRT)
        (work / "spa.srt").write_text(SPA_SRT)
        (work / "fre.sup").write_bytes(pgs_subtitles([(1, 3), (5, 7)]))
        args += ["-i", str(work / "eng.srt"), "-i", str(work / "spa.srt")]
        args += ["-i", str(work / "fre.sup")]
        maps += ["-map", "2", "-map", "3", "-map", "4"]
        codecs += ["-c:s:0", "srt", "-c:s:1", "srt", "-c:s:2", "copy"]
        codecs += ["-metadata:s:s:0", "language=eng", "-metadata:s:s:0", "title=English"]
        codecs += ["-metadata:s:s:1", "language=spa", "-metadata:s:s:2", "language=fre"]
    _ffmpeg(*args, *maps, *codecs, str(out))
    return out


def page_image(n: int, fmt: str) -> bytes:
    img = Image.new("RGB", (200 + n, 300 + 2 * n), ((n * 40) % 256, 80, 160))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


# Pages by name, listed out of order on purpose: the index must sort them naturally.
CBZ_PAGES = {
    "page10.png": ("PNG", 10),
    "page2.jpg": ("JPEG", 2),
    "page1.png": ("PNG", 1),
    "page3.webp": ("WEBP", 3),
}
CBZ_ORDER = ["page1.png", "page2.jpg", "page3.webp", "page10.png"]


def make_cbz(out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as zf:
        for name, (fmt, n) in CBZ_PAGES.items():
            method = zipfile.ZIP_DEFLATED if fmt == "PNG" else zipfile.ZIP_STORED
            zf.writestr(zipfile.ZipInfo(name), page_image(n, fmt), compress_type=method)
        zf.writestr("ComicInfo.xml", "<ComicInfo/>")
        zf.writestr("__MACOSX/._page1.png", b"junk")
    return out


@dataclass(frozen=True)
class TestMedia:
    root: Path
    movie: Path  # MKV: h264 + FLAC + eng/spa SRT + fre PGS
    episode1: Path
    episode2: Path
    corrupt: Path
    cbz: Path
    folder: Path
    not_zip_cbz: Path


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> TestMedia:
    """Every test media file, generated once per session."""
    require(shutil.which("ffmpeg") is not None, "needs ffmpeg")
    root = tmp_path_factory.mktemp("media")
    movie = make_video(root / "Big.Test.Movie.2021.1080p.WEB-DL.x264-SPAMGRP.mkv")
    ep1 = make_video(
        root / "Test.Show.S01E01.720p.HDTV.x264.mkv", seconds=3, pattern="testsrc2", subtitles=False
    )
    ep2 = make_video(
        root / "Test.Show.S01E02.720p.HDTV.x264.mkv",
        seconds=3,
        pattern="rgbtestsrc",
        subtitles=False,
    )
    corrupt = root / "Broken.Movie.2020.mkv"
    # Fixed garbage after an EBML header: random bytes made ffprobe's reason vary ("Invalid
    # data found…" nearly always, "End of file" once in a while), and the tests read it.
    corrupt.write_bytes(b"\x1a\x45\xdf\xa3" + random.Random(1).randbytes(64 * 1024))
    cbz = make_cbz(root / "Test Manga - Chapter 7.cbz")
    folder = root / "Test Manga ch 8"
    folder.mkdir()
    for name, (fmt, n) in CBZ_PAGES.items():
        (folder / name).write_bytes(page_image(n, fmt))
    (folder / "notes.txt").write_text("not a page")
    not_zip = root / "Fake Manga - Chapter 1.cbz"
    not_zip.write_bytes(b"this is not a zip file at all")
    return TestMedia(root, movie, ep1, ep2, corrupt, cbz, folder, not_zip)


# --- live servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True)
class LiveServer:
    url: str
    vault_dir: Path
    proc: subprocess.Popen


def _db_env() -> dict[str, str]:
    db = connection.settings_dict
    return {"DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}


def start_uvicorn(vault_dir: Path, **extra_env: str) -> LiveServer:
    port = free_port()
    env = {
        **os.environ,
        **_db_env(),
        "VAULT_DIR": str(vault_dir),
        "STREAM_SIGNING_SECRET": settings.STREAM_SIGNING_SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **extra_env,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "streamvault.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/api/", proc)
    except RuntimeError:
        _stop(proc)
        raise
    return LiveServer(url, vault_dir, proc)


@pytest.fixture(scope="module")
def stream_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """uvicorn serving streamvault.asgi on a free port, on the test database (tests using it
    need ``django_db(transaction=True)`` so the server sees their rows)."""
    with django_db_blocker.unblock():
        require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
        env = _db_env()
    vault = tmp_path_factory.mktemp("live-vault")
    server = start_uvicorn(vault, **env)
    yield server
    _stop(server.proc)


@pytest.fixture
def live_vault(stream_server, settings):
    """Point this test's vault at the live server's."""
    settings.VAULT_DIR = stream_server.vault_dir
    return stream_server


NGINX_CONF = """
daemon off;
worker_processes 1;
{user}
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    types {{ video/x-matroska mkv; }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        location /s/ {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_set_header Host 127.0.0.1;
            proxy_buffering off;
        }}
        location /_vault/ {{
            internal;
            alias {objects}/;
        }}
        location /direct/ {{
            alias {objects}/;
        }}
    }}
}}
"""


@dataclass(frozen=True)
class Nginx:
    url: str
    proc: subprocess.Popen


def start_nginx(work: Path, *, upstream: str, objects: Path) -> Nginx:
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = work / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(user=user, work=work, port=port, upstream=upstream, objects=objects)
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", str(work)])
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/direct/", proc, timeout=20)
    except RuntimeError:
        _stop(proc)
        raise
    return Nginx(url, proc)


@pytest.fixture(scope="module")
def accel_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    """nginx in front of uvicorn with VAULT_ACCEL_REDIRECT on: our endpoint checks the
    signature, nginx sends the bytes from an internal location."""
    require(shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists(), "needs nginx")
    with django_db_blocker.unblock():
        require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
        env = _db_env()
    vault = tmp_path_factory.mktemp("accel-vault")
    (vault / "objects").mkdir()
    server = start_uvicorn(vault, VAULT_ACCEL_REDIRECT="/_vault/", **env)
    try:
        nginx = start_nginx(
            tmp_path_factory.mktemp("nginx"), upstream=server.url, objects=vault / "objects"
        )
    except Exception:
        _stop(server.proc)
        raise
    yield server, nginx
    _stop(nginx.proc)
    _stop(server.proc)


# --- swarm: jobs, rotation, ingestion -------------------------------------------------


@pytest.fixture(autouse=True)
def _swarm_work_dir(tmp_path, settings):
    settings.INGEST_WORK_DIR = tmp_path / "swarm-work"
    settings.TELEGRAM_GATEWAY = "fake"


@pytest.fixture
def fake_telegram():
    """The fake Telegram, emptied before and after the test."""
    from swarm.telegram.fake import fake_reset
    from swarm.telegram.runtime import runtimes_stop

    fake_reset()
    yield
    runtimes_stop()
    fake_reset()


@pytest.fixture
def file_server():
    """A threaded local HTTP server (pytest-httpserver) for leech sources, TMDB and mirrors:
    threaded, so a slow download does not block the other requests."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def swarm_workers(transactional_db, settings):
    """Start real Celery workers (``swarm_workers.start(**env)``) that can be killed with -9."""
    from tests.conftest import _redis_ok
    from tests.support.swarm import Workers, database_url

    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    workers = Workers(
        {
            "DATABASE_URL": database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "VAULT_DIR": str(settings.VAULT_DIR),
            "INGEST_WORK_DIR": str(settings.INGEST_WORK_DIR),
            "TELEGRAM_GATEWAY": "fake",
            "JOB_HEARTBEAT_SECONDS": "0.5",
            "TMDB_API_KEY": settings.TMDB_API_KEY,
            "TMDB_BASE_URL": settings.TMDB_BASE_URL,
        }
    )
    try:
        yield workers
    finally:
        workers.stop_all()
