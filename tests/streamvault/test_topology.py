"""The whole production topology, as shipped: honcho starts ``deploy/Procfile`` (nginx rendered
from ``deploy/nginx.conf.template`` on a free port, gunicorn, uvicorn, the three Celery workers,
beat and the Manager bot on the fake gateway). Then, through nginx only: a generated video is
ingested with ``manage.py ingest_url``, its document, a stream range, a subtitle and a manga page
are read (each from the edge once the app has admitted it), an edit is visible at nginx within a
second, and after a takedown every one of them is a 404 at nginx. Everything stops cleanly."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from catalog import services as catalog
from catalog.models import MediaFile, SubtitleTrack, Title, TitleStatus
from ingest.chapters import chapter_ingest
from tests.conftest import require
from tests.support.media import free_port
from tests.support.signed import signed
from tests.support.swarm import database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "topology-signing-secret-0123456789"


def _wait(check, timeout: float, what: str):
    """``wait_for`` every 50 ms, a connection refused (a process still starting) counting as
    not yet."""

    def quiet():
        try:
            return check()
        except httpx.HTTPError:
            return None

    return wait_for(quiet, timeout=timeout, interval=0.05, what=what)


@contextlib.contextmanager
def running_topology(tmp_path, settings, **overrides: str):
    """honcho running ``deploy/Procfile`` on free ports; yields the client (through nginx), the
    environment, the work directory and honcho's process."""
    require(shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), "needs nginx")
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    ports = {name: free_port() for name in ("edge", "web", "stream")}
    edge_dir, vault_dir = tmp_path / "edge", tmp_path / "vault"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/bin",
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECRET_KEY": "topology-test-secret-key",
        "STREAM_SIGNING_SECRET": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TELEGRAM_GATEWAY": "fake",
        "VAULT_DIR": str(vault_dir),
        "INGEST_WORK_DIR": str(tmp_path / "swarm-work"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "EDGE_DIR": str(edge_dir),
        "EDGE_RUN_DIR": str(tmp_path / "nginx"),
        "EDGE_LISTEN": f"127.0.0.1:{ports['edge']}",
        "EDGE_USER": "root",
        "EDGE_WORKERS": "1",
        "WEB_PORT": str(ports["web"]),
        "STREAM_PORT": str(ports["stream"]),
        "WEB_WORKERS": "1",
        "HEAVY_CONCURRENCY": "2",
        "STREAM_BASE_URL": f"http://127.0.0.1:{ports['edge']}",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }
    # This process writes too (an edit, the takedown): the same edge, vault and secret.
    settings.EDGE_DIR = str(edge_dir)
    settings.VAULT_DIR, settings.STREAM_SIGNING_SECRET = vault_dir, SECRET
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.INGEST_WORK_DIR = tmp_path / "swarm-work"
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=120,
    )  # fmt: skip
    call_command("edge_sync")  # as a deploy does after migrate: hosts → documents
    log = open(tmp_path / "honcho.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "honcho", "-f", "deploy/Procfile", "-d", str(ROOT), "start"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{ports['edge']}"
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            _wait(lambda: client.get("/api/genres/").status_code == 200, 60, "web behind nginx")
            _wait(lambda: client.get("/s/" + "0" * 64).status_code == 403, 30, "nginx")
            yield client, env, tmp_path, proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # honcho stops every process it started
        try:
            code = proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        finally:
            log.close()
        print((tmp_path / "honcho.log").read_text()[-4000:])
    # Everything stopped: no process of the group is left.
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
    assert code in (0, -signal.SIGTERM, 128 + signal.SIGTERM), code


@pytest.fixture
def topology(tmp_path, settings, media):
    with running_topology(tmp_path, settings) as running:
        yield running[:3]


def test_the_shipped_topology_end_to_end(topology, media, file_server):
    client, env, tmp_path = topology
    video = media.movie.read_bytes()
    file_server.expect_request("/Topology.Test.2021.1080p.mkv").respond_with_data(
        video, content_type="video/x-matroska"
    )
    url = file_server.url_for("/Topology.Test.2021.1080p.mkv")
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_url", url, "--wait", "--timeout", "180"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=200,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    media_file = MediaFile.objects.select_related("title").get(title__title__icontains="Topology")
    title = media_file.title
    file_hash = media_file.file_hash

    # The document: nginx answers from the file written when the worker committed.
    doc = _wait(lambda: client.get(f"/api/titles/{title.short_id}/"), 5, "document")
    assert doc.status_code == 200 and doc.headers.get("x-edge") == "document"
    assert doc.json()["short_id"] == title.short_id
    assert doc.headers["cache-control"] == "public, no-cache" and doc.headers.get("etag")
    again = client.get(
        f"/api/titles/{title.short_id}/", headers={"If-None-Match": doc.headers["etag"]}
    )
    assert again.status_code == 304
    assert client.post(f"/api/titles/{title.short_id}/").status_code == 405  # the app's answer
    zipped = client.get(f"/api/titles/{title.short_id}/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"] and zipped.json() == doc.json()

    # A stream range: the first request is admitted by the stream door, then nginx sends it.
    stream = signed(f"/s/{file_hash}")
    first = client.get(stream, headers={"Range": "bytes=0-1023"})
    assert first.status_code == 206 and first.content == video[:1024]
    second = client.get(stream, headers={"Range": "bytes=1024-4095"})
    assert second.status_code == 206 and second.content == video[1024:4096]
    assert second.headers.get("x-edge") == "stream"
    assert second.headers["content-type"] == "video/x-matroska"
    # One validator whoever answers: a resumed range with If-Range is still a range.
    assert first.headers["etag"] == second.headers["etag"] == f'"{file_hash}"'
    resumed = client.get(stream, headers={"Range": "bytes=10-19", "If-Range": f'"{file_hash}"'})
    assert resumed.status_code == 206 and resumed.content == video[10:20]
    assert (
        client.get(f"/s/{file_hash}?md5=AAAAAAAAAAAAAAAAAAAAAA&expires=9999999999").status_code
        == 403
    )

    # What nginx sent itself is in the bytes log the tenants' meter reads (flushed within 1 s).
    bytes_log = tmp_path / "nginx" / "bytes.log"
    _wait(lambda: bytes_log.exists() and " 3072\n" in bytes_log.read_text(), 3, "bytes log")

    # A subtitle: the app's answer, then nginx's cached copy.
    track = (
        SubtitleTrack.objects.filter(media_file=media_file, kind="text")
        .order_by("stream_index")
        .first()
    )
    sub_url = signed(f"/api/subs/{file_hash}/{track.stream_index}.vtt")
    sub = client.get(sub_url)
    assert sub.status_code == 200 and sub.text.startswith("WEBVTT")
    assert client.get(sub_url).headers.get("x-edge-cache") == "HIT"

    # A manga page, the same way.
    chapter = chapter_ingest(path=media.cbz).chapter
    page_url = signed(f"/api/read/{chapter.pk}/1")
    assert client.get(page_url).status_code == 200
    page = client.get(page_url)
    assert page.status_code == 200 and page.headers.get("x-edge-cache") == "HIT"
    manga = chapter.manga
    assert _wait(
        lambda: client.get(f"/api/titles/{manga.short_id}/").headers.get("x-edge"), 1, "manga doc"
    )

    # An edit is at nginx within a second.
    catalog.title_edit(
        title=Title.objects.get(pk=title.pk), actor=None, data={"overview": "Edited at the edge."}
    )
    started = time.monotonic()
    _wait(
        lambda: (
            client.get(f"/api/titles/{title.short_id}/").json().get("overview")
            == "Edited at the edge."
        ),
        1.0,
        "the edit at nginx",
    )
    assert time.monotonic() - started <= 1.0

    # The bot answers on the fake gateway.
    bot = redis.Redis.from_url(django_settings.REDIS_URL)
    bot.delete("bot:fake:outbox")
    bot.rpush(
        "bot:fake:inbox", json.dumps({"user_id": 4242, "first_name": "Ada", "text": "/start"})
    )
    reply = bot.blpop(["bot:fake:outbox"], 30)
    assert reply is not None and json.loads(reply[1])["chat_id"] == 4242

    # The takedown: every door is a 404 at nginx.
    call_command("takedown", title.short_id, reason="topology test", stdout=io.StringIO())
    call_command("takedown", manga.short_id, reason="topology test", stdout=io.StringIO())
    assert Title.objects.get(pk=title.pk).status == TitleStatus.BANNED
    _wait(
        lambda: client.get(f"/api/titles/{title.short_id}/").status_code == 404, 1, "document 404"
    )
    _wait(lambda: client.get(f"/api/titles/{manga.short_id}/").status_code == 404, 1, "manga 404")
    # The stream door's lookup is reused for VAULT_STREAM_LOOKUP_SECONDS (5 s) per process.
    _wait(
        lambda: client.get(stream, headers={"Range": "bytes=0-1"}).status_code == 404,
        8,
        "stream 404",
    )
    _wait(lambda: client.get(sub_url).status_code == 404, 2, "subtitle 404")
    _wait(lambda: client.get(page_url).status_code == 404, 2, "page 404")
