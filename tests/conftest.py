"""Suite-wide fixtures.

``scripts/test.sh`` runs the suite on real PostgreSQL and Redis and sets
STREAMVAULT_TEST_SERVICES=required (CI too): then a missing service stops the run with an error,
never a skip. A bare ``pytest`` on a developer machine uses SQLite and local memory, and the
tests that need a real service are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from jobs.models import Job, JobStatus
from streamvault.celery import app as celery_app
from tenants.resolve import tenants_hold

ROOT = Path(__file__).resolve().parent.parent

# Media, live servers, Celery workers and the fake Telegram, for every app's tests.
pytest_plugins = ["tests.support.media", "tests.support.s3"]

# The tests choose the in-Redis fake Telegram explicitly (scripts/test.sh exports it for the
# processes they start too); the product's default is the real gateway.
settings.TELEGRAM_GATEWAY = "fake"
SERVICES_REQUIRED = os.environ.get("STREAMVAULT_TEST_SERVICES") == "required" or (
    os.environ.get("CI", "").lower() == "true"
)


def _redis_ok() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


# The modules that take longest (scripts/test.sh prints the slowest tests), run first: the
# xdist workers take files in collection order, and a long one taken last keeps one worker busy
# while the others wait (longest first packs the run tighter).
SLOW_FIRST = [
    "tests/web/test_demo_plays.py",
    "tests/streamvault/test_migrations.py",
    "tests/studio/test_production.py",
    "tests/web/test_producer_browser.py",
    "tests/streamvault/test_outages.py",
    "tests/web/test_playback_matrix.py",
    "tests/streamvault/test_topology.py",
    "tests/streamvault/test_edge_doors.py",
    "tests/streamvault/test_nodes.py",
    "tests/swarm/test_upload_and_stream.py",
    "tests/web/test_browser.py",
    "tests/swarm/test_swarm_celery.py",
    "tests/studio/test_tasks_celery.py",
    "tests/core/test_queue.py",
    "tests/streamvault/test_admin_console.py",
    "tests/tenants/test_edge_nodes.py",
]


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def pytest_sessionstart(session: pytest.Session) -> None:
    if not SERVICES_REQUIRED:
        return
    problems = []
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        problems.append("DATABASE_URL is not PostgreSQL")
    if not _redis_ok():
        problems.append(f"Redis is not reachable at {settings.REDIS_URL!r}")
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not installed")
    if problems:
        pytest.exit("required test services missing: " + "; ".join(problems), returncode=3)


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing on a developer machine; fail when services are required."""
    if condition:
        return
    if SERVICES_REQUIRED:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture
def client(client):
    """pytest-django's client, keeping the cookie the site sets first (as a browser does), so a
    visitor's first per-user request may become a guest (a cookie-less one may not)."""
    client.get("/api/session/")
    return client


@pytest.fixture(autouse=True)
def _clear_cache():
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_tenants():
    """Requests resolve their site from a per-process table of tenants, reloaded when the
    shared cache says so; each test clearing the cache would reload it at random moments and
    count its queries. Outside the tenants' own tests (which call ``tenants_forget``) the table
    is held empty: a request costs the queries it cost before tenants existed."""
    tenants_hold()
    yield
    tenants_hold()


@pytest.fixture
def postgres():
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")


@pytest.fixture(autouse=True)
def _vault_dir(tmp_path, settings):
    settings.VAULT_DIR = tmp_path / "vault"


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _running_jobs_finish(*, timeout: float) -> None:
    """Let the jobs the worker is running end (a job killed between its catalog write and its
    documents step would leave a document the next run rebuilds, but the test ends first)."""
    deadline = time.monotonic() + timeout
    while Job.objects.filter(status=JobStatus.RUNNING).exists() and time.monotonic() < deadline:
        time.sleep(0.2)


@pytest.fixture
def celery_worker(transactional_db):
    """A real ``celery worker`` process on real Redis, pointed at the test database. Tasks sent
    by the test travel through the broker as JSON, exactly as in production."""
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VAULT_DIR": str(settings.VAULT_DIR),
        "TELEGRAM_GATEWAY": "fake",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "streamvault",
            "worker",
            "-n",
            name,
            "-Q",
            "default,heavy,telegram",
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    old_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[name], timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("celery worker did not start")
        yield proc
    finally:
        celery_app.conf.task_always_eager = old_eager
        _running_jobs_finish(timeout=20)  # a job the test did not wait for (a rendition)
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(autouse=True)
def _no_heartbeat_inside_a_test_transaction(request, settings):
    """A job run in the test's own process (``job_run``) beats from a thread with its own
    connection, which cannot see rows of a test that runs inside a transaction: a job longer
    than the beat would seem lost. There the beat waits for the test's end; tests on a
    committed database (``transactional_db``, real workers) keep the real one."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not transactional:
        settings.JOB_HEARTBEAT_SECONDS = 3600.0


@pytest.fixture(autouse=True)
def _documents_match_rows(request):
    """After every test that touches the database, rebuild every title's document and card
    from the rows and compare with what is stored: any write path that forgot to refresh the
    read model fails here (docs/design.md)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not (marker or transactional or "db" in request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    yield
    from catalog.documents import title_card_build, title_document_build, titles_for_build
    from catalog.models import Title

    stale = []
    for title in titles_for_build(list(Title.objects.values_list("id", flat=True))):
        doc = title_document_build(title)
        if doc != title.document or title_card_build(doc) != title.card:
            stale.append(title.short_id)
    assert not stale, f"stored documents differ from a rebuild for titles {stale}"
