"""Helpers of the swarm tests: a TMDB double answering in TMDB v3's documented JSON
shapes, a file server with Range support and injectable faults, and killable Celery workers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Now
from werkzeug import Request, Response

from jobs.models import Job, JobStatus
from streamvault.celery import app as celery_app
from tests.conftest import ROOT

# --- TMDB ----------------------------------------------------------------------------------------

TMDB_KEY = "0123456789abcdef0123456789abcdef"
TMDB_CONFIGURATION = {
    "change_keys": ["adult", "air_date", "also_known_as"],
    "images": {
        "base_url": "",  # filled with the local server's URL
        "secure_base_url": "",
        "backdrop_sizes": ["w300", "w780", "w1280", "original"],
        "logo_sizes": ["w45", "w92", "w154", "w185", "w300", "w500", "original"],
        "poster_sizes": ["w92", "w154", "w185", "w342", "w500", "w780", "original"],
        "profile_sizes": ["w45", "w185", "h632", "original"],
        "still_sizes": ["w92", "w185", "w300", "original"],
    },
}
# A movie as /search/movie lists it and as /movie/{id} details it (TMDB v3 reference shapes).
MOVIE_SEARCH = {
    "adult": False,
    "backdrop_path": "/bigtest-backdrop.jpg",
    "genre_ids": [28, 18],
    "id": 424242,
    "original_language": "en",
    "original_title": "Big Test Movie",
    "overview": "A movie made of test patterns.",
    "popularity": 61.416,
    "poster_path": "/bigtest-poster.jpg",
    "release_date": "2021-10-15",
    "title": "Big Test Movie",
    "video": False,
    "vote_average": 8.4,
    "vote_count": 26280,
}
MOVIE_DETAILS = {
    **{k: v for k, v in MOVIE_SEARCH.items() if k != "genre_ids"},
    "belongs_to_collection": None,
    "budget": 63000000,
    "genres": [{"id": 28, "name": "Action"}, {"id": 18, "name": "Drama"}],
    "homepage": "",
    "imdb_id": "tt0000424",
    "production_companies": [],
    "revenue": 100853753,
    "runtime": 139,
    "status": "Released",
    "tagline": "Testing is everything.",
}
TV_SEARCH = {
    "backdrop_path": "/show-backdrop.jpg",
    "first_air_date": "2019-01-05",
    "genre_ids": [18],
    "id": 777001,
    "name": "Test Show",
    "origin_country": ["US"],
    "original_language": "en",
    "original_name": "Test Show",
    "overview": "Episodes of test patterns.",
    "popularity": 12.5,
    "poster_path": "/show-poster.jpg",
    "vote_average": 7.9,
    "vote_count": 1200,
}
TV_DETAILS = {
    **{k: v for k, v in TV_SEARCH.items() if k != "genre_ids"},
    "genres": [{"id": 18, "name": "Drama"}],
    "number_of_seasons": 2,
    "number_of_episodes": 16,
    "status": "Ended",
    "in_production": False,
}
TV_IMDB_ID = "tt0007770"
INVALID_KEY = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00"
    + bytes(range(64))
    + b"\xff\xd9"
)


def tmdb_install(
    server, *, movies=(MOVIE_SEARCH,), shows=(TV_SEARCH,), details: dict | None = None
) -> None:
    """Serve TMDB v3 on ``server`` (a pytest-httpserver) for the key TMDB_KEY; ``details``
    replaces fields of the movie's details."""
    config = {
        **TMDB_CONFIGURATION,
        "images": {
            **TMDB_CONFIGURATION["images"],
            "base_url": server.url_for("/t/p/"),
            "secure_base_url": server.url_for("/t/p/"),
        },
    }
    movie_details = {**MOVIE_DETAILS, **(details or {})}
    by_id = {MOVIE_DETAILS["id"]: movie_details, TV_DETAILS["id"]: TV_DETAILS}

    def handler(request: Request) -> Response:
        import json

        if request.args.get("api_key") != TMDB_KEY:
            return Response(json.dumps(INVALID_KEY), 401, content_type="application/json")
        path = request.path
        if path == "/3/configuration":
            body = config
        elif path in ("/3/search/movie", "/3/search/tv"):
            query = request.args.get("query", "").lower()
            pool, key = (movies, "title") if path.endswith("movie") else (shows, "name")
            results = [r for r in pool if query and query in r[key].lower()]
            body = {
                "page": 1,
                "results": results,
                "total_pages": 1,
                "total_results": len(results),
            }
        elif m := re.fullmatch(r"/3/tv/(\d+)/external_ids", path):
            if int(m.group(1)) != TV_DETAILS["id"]:
                body = {"status_code": 34, "status_message": "Not found.", "success": False}
                return Response(json.dumps(body), 404, content_type="application/json")
            body = {"id": TV_DETAILS["id"], "imdb_id": TV_IMDB_ID, "tvdb_id": 350001}
        elif m := re.fullmatch(r"/3/(movie|tv)/(\d+)", path):
            found = by_id.get(int(m.group(2)))
            if found is None:
                body = {"status_code": 34, "status_message": "Not found.", "success": False}
                return Response(json.dumps(body), 404, content_type="application/json")
            body = found
        else:
            return Response("{}", 404, content_type="application/json")
        return Response(json.dumps(body), 200, content_type="application/json;charset=utf-8")

    server.expect_request(re.compile(r"^/3/.*")).respond_with_handler(handler)
    server.expect_request(re.compile(r"^/t/p/.*")).respond_with_data(
        JPEG, content_type="image/jpeg"
    )


# --- a file server with Range and faults ------------------------------------------------------


@dataclass
class FileServe:
    """Serves ``path`` with Range support. ``drop_after``: the first full (non-Range) request
    stops after that many bytes (a connection reset); ``delay``: seconds per 64 KiB chunk."""

    path: Path
    drop_after: int | None = None
    delay: float = 0.0
    content_type: str = "video/x-matroska"
    ranges: list[str] = field(default_factory=list)
    _dropped: bool = False

    def __call__(self, request: Request) -> Response:
        data = self.path.read_bytes()
        size = len(data)
        header = request.headers.get("Range")
        self.ranges.append(header or "")
        start, status = 0, 200
        headers = {"Accept-Ranges": "bytes"}
        if header:
            m = re.fullmatch(r"bytes=(\d+)-", header)
            start = int(m.group(1)) if m else 0
            if start >= size:
                return Response(b"", 416, headers={"Content-Range": f"bytes */{size}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        body = data[start:]
        cut = None
        if self.drop_after is not None and not self._dropped and not header:
            self._dropped = True
            cut = self.drop_after

        def stream():
            sent = 0
            for i in range(0, len(body), 65536):
                chunk = body[i : i + 65536]
                if cut is not None and sent + len(chunk) > cut:
                    yield chunk[: cut - sent]
                    raise ConnectionResetError("dropped on purpose")
                sent += len(chunk)
                if self.delay:
                    time.sleep(self.delay)
                yield chunk

        headers["Content-Length"] = str(len(body))
        return Response(
            stream(),
            status,
            headers=headers,
            content_type=self.content_type,
            direct_passthrough=True,
        )


# --- killable celery workers ------------------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@dataclass
class WorkerProc:
    proc: subprocess.Popen
    name: str


class Workers:
    """Real ``celery worker`` processes in their own process groups, so ``kill9`` takes the
    pool children down with the main process (a machine losing power, in miniature)."""

    def __init__(self, base_env: dict[str, str]) -> None:
        self.base_env = base_env
        self.procs: list[WorkerProc] = []
        self._old_eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False

    def start(
        self,
        *,
        queues: str = "default,heavy,telegram",
        concurrency: int = 2,
        pool: str = "prefork",
        **env: str,
    ) -> WorkerProc:
        name = f"swarm-{uuid.uuid4().hex[:8]}@localhost"
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
                queues,
                "-c",
                str(concurrency),
                "-P",
                pool,
                "--without-gossip",
                "--without-mingle",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, **self.base_env, **env},
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[name], timeout=0.5):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("celery worker did not start")
        wp = WorkerProc(proc, name)
        self.procs.append(wp)
        return wp

    def kill9(self, wp: WorkerProc) -> None:
        os.killpg(wp.proc.pid, signal.SIGKILL)
        wp.proc.wait(timeout=30)

    def settle(self, timeout: float = 30) -> bool:
        """Wait (bounded) while live workers finish the jobs a test left behind — an ingest's
        rendition, a document rebuild — so the read-model check after the test sees the end
        state and not a write in flight. False when jobs were still open at the bound (a test
        that leaves work queued on purpose). A job due later (``not_before``: a debounced pack
        build, a retry's countdown) is not waited for."""
        if not any(wp.proc.poll() is None for wp in self.procs):
            return True
        deadline = time.monotonic() + timeout
        due = Q(not_before__isnull=True) | Q(not_before__lte=Now())
        open_now = Q(status=JobStatus.RUNNING) | (Q(status=JobStatus.QUEUED) & due)
        while Job.objects.filter(open_now).exists():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def stop_all(self) -> None:
        self.settle()
        for wp in self.procs:
            if wp.proc.poll() is None:
                try:
                    os.killpg(wp.proc.pid, signal.SIGTERM)
                    wp.proc.wait(timeout=30)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    try:
                        os.killpg(wp.proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        celery_app.conf.task_always_eager = self._old_eager


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Ticker(threading.Thread):
    """Calls ``fn`` every ``every`` seconds in the background (a stand-in for celery beat)."""

    def __init__(self, fn, every: float) -> None:
        super().__init__(daemon=True)
        self.fn, self.every = fn, every
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import connection as conn

        try:
            while not self.stopped.wait(self.every):
                self.fn()
        finally:
            conn.close()
