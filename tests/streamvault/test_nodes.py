"""Nodes that share nothing but PostgreSQL, Redis and S3: two edge nodes (nginx, web, stream and
the edge feed's follower, from ``deploy/Procfile``) each on a loopback address of its own
(127.0.0.2, 127.0.0.3) with its own working directory, and two worker nodes (the default and
heavy queues) with their own scratch directories; the vault is a real local S3 server (moto)
and the edge feed is on. This process, like an admin on any node, writes through the services.

A URL ingested by a worker is served by both edges (document and stream); an edit and a
takedown reach both within 2 s; an edge node killed meanwhile misses an edit and shows it once
started again; a worker node killed leaves the next ingest to the other."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection

from catalog import services as catalog
from catalog.models import MediaFile, Title, TitleStatus
from core.edge_feed import KEY
from core.redis import client as redis_client
from tests.conftest import require
from tests.support.media import free_port
from tests.support.signed import signed
from tests.support.swarm import database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "nodes-signing-secret-0123456789ab"
EDGES = ("127.0.0.2", "127.0.0.3")


class Node:
    """One machine, in miniature: honcho running some of the Procfile's processes."""

    def __init__(self, name: str, work: Path, processes: list[str], env: dict[str, str]):
        self.name, self.work, self.processes, self.env = name, work, processes, env
        self.proc: subprocess.Popen | None = None

    def start(self) -> Node:
        log = open(self.work / "honcho.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "honcho", "-f", "deploy/Procfile", "-d", str(ROOT), "start",
             *self.processes],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        return self

    def kill(self) -> None:
        """The machine loses power: every process of the node at once."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()


def _get(base: str, path: str, **kw) -> httpx.Response | None:
    try:
        return httpx.get(base + path, timeout=5, **kw)
    except httpx.HTTPError:
        return None  # still starting


@pytest.fixture
def nodes(tmp_path, settings, s3, s3_server):
    require(shutil.which("nginx") or Path("/usr/sbin/nginx").exists(), "needs nginx")
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    redis_client(settings.REDIS_URL).delete(KEY)
    shared = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/bin",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": "nodes-test-secret-key",
        "STREAM_SIGNING_SECRET": SECRET,
        "ALLOWED_HOSTS": ",".join([*EDGES, "localhost"]),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TELEGRAM_GATEWAY": "fake",
        "EDGE_FEED": "true",
        "VAULT_DEFAULT_BACKEND": "s3",
        "VAULT_S3_ENDPOINT_URL": s3_server,
        "VAULT_S3_BUCKET": settings.VAULT_S3_BUCKET,
        "VAULT_S3_PREFIX": settings.VAULT_S3_PREFIX,
        "VAULT_S3_ACCESS_KEY_ID": "test",
        "VAULT_S3_SECRET_ACCESS_KEY": "test",
        "VAULT_S3_REGION": "us-east-1",
        "STATIC_ROOT": str(tmp_path / "static"),  # built once, like the code itself
        "LOG_LEVEL": "WARNING",
    }
    # This process writes like any node: to the feed and the bucket, no edge of its own.
    settings.EDGE_FEED, settings.EDGE_DIR = True, ""
    settings.VAULT_DEFAULT_BACKEND, settings.STREAM_SIGNING_SECRET = "s3", SECRET
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=shared, check=True, timeout=120,
    )  # fmt: skip
    made: list[Node] = []

    def node(name: str, processes: list[str], **env: str) -> Node:
        work = tmp_path / name
        work.mkdir()
        own = {
            "VAULT_DIR": str(work / "vault"),  # never used: the vault is S3
            "INGEST_WORK_DIR": str(work / "scratch"),
            "EDGE_DIR": str(work / "edge") if "edge" in processes else "",
            "EDGE_RUN_DIR": str(work / "nginx"),
            **env,
        }
        made.append(Node(name, work, processes, {**shared, **own}))
        return made[-1]

    edges = []
    for address in EDGES:
        port = free_port()
        edges.append(
            node(
                f"edge-{address}",
                ["edge", "web", "stream", "edgefeed"],
                APP_HOST=address,
                EDGE_LISTEN=f"{address}:{port}",
                EDGE_USER="root",
                EDGE_WORKERS="1",
                WEB_PORT=str(free_port()),
                STREAM_PORT=str(free_port()),
                WEB_WORKERS="1",
                STREAM_BASE_URL=f"http://{address}:{port}",
            )
        )
    workers = [node(f"worker-{n}", ["worker", "heavy"], HEAVY_CONCURRENCY="1") for n in (1, 2)]
    for each in made:
        each.start()
    bases = [f"http://{e.env['EDGE_LISTEN']}" for e in edges]
    try:
        for base in bases:
            wait_for(
                lambda base=base: (r := _get(base, "/api/genres/")) and r.status_code == 200,
                timeout=90, interval=0.2, what=f"the edge at {base}",
            )  # fmt: skip
        yield edges, workers, bases, shared
    finally:
        for each in made:
            each.stop()
        for each in made:
            print(f"--- {each.name}\n" + (each.work / "honcho.log").read_text()[-1500:])


def _ingest(file_server, video: bytes, name: str, env: dict[str, str]) -> MediaFile:
    file_server.expect_request(f"/{name}").respond_with_data(video, content_type="video/x-matroska")
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_url", file_server.url_for(f"/{name}"), "--wait",
         "--timeout", "180"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=200,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    sha256 = hashlib.sha256(video).hexdigest()
    return MediaFile.objects.select_related("title").get(file_hash=sha256)


def _everywhere(bases: list[str], path: str, check, timeout: float, what: str) -> float:
    started = time.monotonic()
    for base in bases:
        wait_for(
            lambda base=base: (r := _get(base, path)) is not None and check(r),
            timeout=timeout, interval=0.02, what=f"{what} at {base}",
        )  # fmt: skip
    return time.monotonic() - started


def test_nodes_that_share_nothing_but_the_databases_and_s3(nodes, media, file_server):
    edges, workers, bases, env = nodes
    video = media.movie.read_bytes()
    media_file = _ingest(file_server, video, "Harbour.Nodes.2021.1080p.mkv", env)
    title = media_file.title
    assert media_file.backend == "s3"
    doc = f"/api/titles/{title.short_id}/"

    # Both edges serve the document from their own copy, and the stream from S3.
    _everywhere(bases, doc, lambda r: r.status_code == 200, 5, "the document")
    for base, edge in zip(bases, edges, strict=True):
        served = httpx.get(base + doc, timeout=5)
        assert served.headers.get("x-edge") == "document", base
        host = edge.env["APP_HOST"]
        assert (edge.work / "edge/hosts" / host / f"{title.short_id}.json").exists()
        ranged = httpx.get(
            base + signed(f"/s/{media_file.file_hash}"), headers={"Range": "bytes=0-1023"},
            timeout=10,
        )  # fmt: skip
        assert ranged.status_code == 206 and ranged.content == video[:1024], base

    # An edit reaches both within 2 s.
    catalog.title_edit(title=Title.objects.get(pk=title.pk), actor=None, data={"overview": "One."})
    took = _everywhere(bases, doc, lambda r: r.json().get("overview") == "One.", 2, "the edit")
    assert took <= 2.0

    # An edge node goes down; an edit meanwhile reaches the other, and it on its return.
    edges[1].kill()
    catalog.title_edit(title=Title.objects.get(pk=title.pk), actor=None, data={"overview": "Two."})
    _everywhere(bases[:1], doc, lambda r: r.json().get("overview") == "Two.", 2, "the edit")
    edges[1].start()
    _everywhere(bases[1:], doc, lambda r: r.json().get("overview") == "Two.", 90, "catching up")

    # A worker node goes down: the next ingest is the other's.
    workers[0].kill()
    other = media.episode1.read_bytes()
    second = _ingest(file_server, other, "Second.Harbour.2022.720p.mkv", env)
    _everywhere(bases, f"/api/titles/{second.title.short_id}/", lambda r: r.status_code == 200,
                5, "the second title")  # fmt: skip

    # A takedown reaches both within 2 s.
    catalog.title_set_status(title=Title.objects.get(pk=title.pk), status=TitleStatus.BANNED)
    took = _everywhere(bases, doc, lambda r: r.status_code == 404, 2, "the takedown")
    assert took <= 2.0
    print(f"the takedown reached both edges in {took * 1000:.0f} ms")
