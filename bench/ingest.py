"""Ingestion benchmark: 20 generated videos end to end through a real ``heavy`` Celery worker
(concurrency 5) on real Redis and PostgreSQL — URL leech from a local HTTP server, SHA-256 +
blocked-hash check, ffprobe, WebVTT extraction, 5 screenshots, vault puts, attach, publish —
against the baseline of running the same ffprobe/ffmpeg steps (and the hash) directly on the
same files with the same concurrency, in the same run.

    .venv/bin/python bench/ingest.py              # starts private PostgreSQL and Redis itself
    .venv/bin/python bench/ingest.py --files 40 --seconds 20

Prints files/minute for both and the ratio (our overhead), and writes bench/out/ingest.json.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# media is a plain library (no Django): importable before django.setup().
from media.probe import probe  # noqa: E402
from media.screenshots import take_screenshots  # noqa: E402
from media.subtitles import extract_vtt  # noqa: E402


def _services_then_rerun() -> int:
    """No DATABASE_URL/REDIS_URL: start private instances (scripts/lib.sh) and run again."""
    args = " ".join(f"'{a}'" for a in sys.argv[1:])
    script = f"""
set -euo pipefail
cd '{ROOT}'
source scripts/lib.sh
WORK=$(mktemp -d /tmp/streamvault-bench-ingest.XXXXXX); chmod 755 "$WORK"
trap 'stop_redis "$WORK" || true; stop_postgres "$WORK" || true; rm -rf "$WORK"' EXIT
start_postgres "$WORK" >/dev/null; start_redis "$WORK" >/dev/null
export DATABASE_URL="postgres://streamvault@127.0.0.1:${{PG_PORT}}/streamvault"
export REDIS_URL="redis://127.0.0.1:${{REDIS_PORT}}/0"
.venv/bin/python bench/ingest.py {args}
"""
    return subprocess.call(["bash", "-c", script])


def make_videos(out: Path, count: int, seconds: int) -> list[Path]:
    srt = out / "eng.srt"
    srt.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nHello\n\n2\n00:00:05,000 --> 00:00:07,000\nBye\n"
    )
    files = []
    for n in range(count):
        path = out / f"Bench.Movie.{n:02d}.2020.720p.WEB-DL.x264.mkv"
        subprocess.run(
            [
                "ffmpeg", "-nostdin", "-v", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}",
                "-f", "lavfi", "-i", f"sine=frequency={300 + 10 * n}:duration={seconds}",
                "-i", str(srt),
                "-map", "0:v", "-map", "1:a", "-map", "2",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-c:s", "srt", "-metadata:s:s:0", "language=eng",
                "-metadata", f"comment=bench-{n}-{uuid.uuid4().hex}",
                str(path),
            ],
            check=True,
        )  # fmt: skip
        files.append(path)
    return files


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            """No access log on the benchmark's console."""

        def guess_type(self, path):
            return "video/x-matroska"

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(Quiet, directory=str(directory))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def direct(files: list[Path], work: Path, concurrency: int) -> float:
    """The same media work without the swarm: hash, ffprobe, WebVTT, 5 screenshots."""

    def one(path: Path) -> None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        out = work / digest[:12]
        result = probe(path)
        extract_vtt(path, result.subtitles, out / "subs")
        take_screenshots(
            path, duration=result.duration, positions=[10, 30, 50, 70, 90], out_dir=out
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - start


def _title_updates() -> int:
    """Rows of catalog_title updated so far, by every connection (PostgreSQL's statistics)."""
    from django.db import connection  # after django.setup(), as the imports in main

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'catalog_title'")
        return int(cursor.fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10, help="length of each video")
    parser.add_argument("--concurrency", type=int, default=5)
    opts = parser.parse_args()
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        return _services_then_rerun()

    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    env = {
        "SECRET_KEY": "bench-ingest",
        "DEBUG": "false",
        "SITE_URL": "http://127.0.0.1:8000",
        "ALLOWED_HOSTS": "localhost",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VAULT_DIR": str(tmp / "vault"),
        "INGEST_WORK_DIR": str(tmp / "work"),
        "TELEGRAM_GATEWAY": "fake",
        "TMDB_API_KEY": "",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")
    import django

    django.setup()
    # The apps' modules import models: only after django.setup() (start-up order, no cycle).
    from django.core.management import call_command

    from catalog.models import MediaFile
    from ingest.pipeline import ingest_url_create
    from jobs.models import Job, JobStatus
    from streamvault.celery import app

    call_command("migrate", verbosity=0)
    app.conf.task_always_eager = False
    title_updates_before = _title_updates()

    print(f">> generating {opts.files} videos of {opts.seconds}s (640x360 h264, aac, 1 SRT)")
    src = tmp / "src"
    src.mkdir()
    files = make_videos(src, opts.files, opts.seconds)
    total_mb = sum(f.stat().st_size for f in files) / 1e6
    server, base = serve(src)

    name = f"bench-{uuid.uuid4().hex[:6]}@localhost"
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "streamvault", "worker", "-n", name,
            "-Q", "heavy", "-c", str(opts.concurrency), "--without-gossip", "--without-mingle",
            "-l", "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ},
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the heavy worker did not start")
        print(f">> swarm: {opts.files} ingest jobs on a heavy worker (-c {opts.concurrency})")
        start = time.perf_counter()
        ids = [ingest_url_create(url=f"{base}/{f.name}").pk for f in files]
        while Job.objects.filter(
            pk__in=ids, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
        ).exists():
            time.sleep(0.05)
        swarm_s = time.perf_counter() - start
        failed = list(
            Job.objects.filter(pk__in=ids)
            .exclude(status=JobStatus.DONE)
            .values_list("pk", "last_error")
        )
        if failed:
            raise RuntimeError(f"jobs failed: {failed}")
        durations = [
            (j.finished_at - j.created_at).total_seconds() for j in Job.objects.filter(pk__in=ids)
        ]
        assert MediaFile.objects.count() == opts.files
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        server.shutdown()

    # The worker's backends have exited, so PostgreSQL has their counts: every rebuild of a
    # title's document is one UPDATE of its row (bench titles are not published: nothing else
    # updates them after the attach).
    time.sleep(1.5)
    title_updates = _title_updates() - title_updates_before
    print(f">> direct: the same hash/ffprobe/ffmpeg steps, {opts.concurrency} at a time")
    direct_s = direct(files, tmp / "direct", opts.concurrency)
    shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "files": opts.files,
        "video_seconds": opts.seconds,
        "total_mb": round(total_mb, 1),
        "concurrency": opts.concurrency,
        "swarm_seconds": round(swarm_s, 2),
        "swarm_files_per_minute": round(opts.files / swarm_s * 60, 1),
        "job_latency_median_s": round(statistics.median(durations), 2),
        "direct_seconds": round(direct_s, 2),
        "direct_files_per_minute": round(opts.files / direct_s * 60, 1),
        "overhead_ratio": round(swarm_s / direct_s, 2),
        "title_row_updates_per_ingest": round(title_updates / opts.files, 2),
    }
    print(json.dumps(result, indent=2))
    print(
        f"swarm {result['swarm_files_per_minute']} files/min vs direct "
        f"{result['direct_files_per_minute']} files/min: overhead x{result['overhead_ratio']}"
    )
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
