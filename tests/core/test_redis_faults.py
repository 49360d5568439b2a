"""Redis is optional for reads: with a real Redis stopped, or frozen (SIGSTOP), the title
document, manga pages, subtitles, the gatekeeper and reports keep answering — from the database,
the vault and in-process fallbacks — quickly (no 5 s hang) and never with a 500; everything
uses Redis again by itself when it is back."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest
import redis
from django.core.cache import cache
from rest_framework.test import APIClient

from core.redis import breaker
from ingest.local import media_ingest, path_ingest
from tests.conftest import require
from tests.factories import UserFactory
from tests.support.media import free_port
from tests.support.signed import signed

pytestmark = pytest.mark.django_db
FAST = 2.0  # seconds: far below the 5 s a client without timeouts would hang


@pytest.fixture
def own_redis(settings, tmp_path):
    """A private redis-server this test may stop and freeze, as the cache, the page cache and
    the stream slots' Redis."""
    server = shutil.which("redis-server")
    require(server is not None, "redis-server is not installed (run scripts/test.sh)")
    port = free_port()
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.FallbackRedisCache", "LOCATION": url, "KEY_PREFIX": "t"}
    }
    settings.REDIS_RETRY_SECONDS = 0.5
    breaker.reset()
    yield proc
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)
        proc.terminate()
        proc.wait(timeout=10)
    breaker.reset()


@pytest.fixture
def library(media):
    movie = media_ingest(path=media.movie).media_file
    chapter = path_ingest(path=media.cbz).chapter
    return movie, chapter


def _requests(library) -> list[tuple[str, object]]:
    movie, chapter = library
    viewer = APIClient()
    viewer.force_login(UserFactory())
    anonymous = APIClient()
    device = {"HTTP_X_DEVICE_FINGERPRINT": "device-1"}
    return [
        ("document", lambda: anonymous.get(f"/api/titles/{movie.title.short_id}/")),
        ("list", lambda: anonymous.get("/api/titles/")),
        ("page", lambda: anonymous.get(signed(f"/api/read/{chapter.id}/1"))),
        ("subtitle", lambda: anonymous.get(signed(f"/api/subs/{movie.file_hash}/2.vtt"))),
        (
            "gatekeeper",
            lambda: viewer.post(f"/api/stream/{movie.file_hash}/", {}, format="json", **device),
        ),
        (
            "report",
            lambda: viewer.post(
                "/api/reports/",
                {"title": movie.title.short_id, "issue": "dead_link"},
                format="json",
            ),
        ),
    ]


def _all_answer(library) -> dict[str, tuple[int, float]]:
    seen = {}
    for name, call in _requests(library):
        started = time.monotonic()
        response = call()
        seen[name] = (response.status_code, time.monotonic() - started)
    for name, (status, took) in seen.items():
        assert status < 500, f"{name}: {status}"
        assert took < FAST, f"{name} took {took:.2f}s"
    return seen


def test_reads_survive_a_stopped_redis_and_recover(own_redis, library):
    assert {s for s, _ in _all_answer(library).values()} <= {200, 201}
    own_redis.terminate()
    own_redis.wait(timeout=10)
    seen = _all_answer(library)
    assert seen["document"][0] == seen["page"][0] == seen["subtitle"][0] == 200
    assert seen["gatekeeper"][0] == 200


def test_reads_survive_a_frozen_redis_and_recover(own_redis, library, settings):
    _all_answer(library)
    os.kill(own_redis.pid, signal.SIGSTOP)
    try:
        seen = _all_answer(library)
        assert seen["document"][0] == seen["page"][0] == seen["subtitle"][0] == 200
    finally:
        os.kill(own_redis.pid, signal.SIGCONT)
    time.sleep(settings.REDIS_RETRY_SECONDS + 0.1)
    cache.set("probe", "back", 60)  # through Redis again: the breaker closed by itself
    direct = redis.Redis.from_url(settings.REDIS_URL)
    assert any(b"probe" in key for key in direct.keys("*"))
