from __future__ import annotations

import shutil
import subprocess

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import require


@pytest.fixture
def web():
    """A threaded pytest-httpserver: a slow answer must not hold the others back."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(scope="module")
def tiny_video(tmp_path_factory):
    """A 2-second H.264 video: what a backup host serves to a re-leech."""
    require(shutil.which("ffmpeg") is not None, "needs ffmpeg")
    out = tmp_path_factory.mktemp("medic-video") / "Old.Film.2019.720p.mkv"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=size=160x120:rate=10:duration=2", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", str(out)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return out


@pytest.fixture
def threads_celery_worker(transactional_db, settings):
    """A real ``celery worker`` (real Redis, the test database) with the thread pool, as the
    ``telegram`` queue is run (docs/design.md): one process holds every account. With the prefork
    ``celery_worker`` an account belongs to one of its two pool processes, and a telegram
    task sent to the other one re-queues itself until the pool hands it to the owner."""
    from django.db import connection

    from tests.conftest import _redis_ok
    from tests.support.swarm import Workers, database_url

    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    workers = Workers(
        {
            "DATABASE_URL": database_url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "VAULT_DIR": str(settings.VAULT_DIR),
            "TELEGRAM_GATEWAY": "fake",
        }
    )
    try:
        yield workers.start(pool="threads", concurrency=2)
    finally:
        workers.stop_all()


@pytest.fixture
def releech_worker_env(monkeypatch, tmp_path):
    """Settings of the worker process ``celery_worker`` starts (it inherits the environment):
    list this fixture before ``celery_worker``."""
    monkeypatch.setenv("INGEST_WORK_DIR", str(tmp_path / "swarm-work"))
    monkeypatch.setenv("MEDIC_REPAIR_POLL_SECONDS", "1")
    monkeypatch.setenv("MEDIC_CHECK_HOST_DELAY", "0")
    monkeypatch.setenv("TMDB_API_KEY", "")
    monkeypatch.setenv("TELEGRAM_GATEWAY", "fake")
