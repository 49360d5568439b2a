"""What we ship, measured (issue: the production path at nginx speed). Run it through
``bash bench/run_api_read.sh --script bench/edge.py`` (private PostgreSQL and Redis, N titles
bulk-loaded, production settings, ``EDGE_DIR`` in the work directory).

1. ``edge_sync --refill``: every document written for the edge (timed).
2. The shipped processes: nginx from ``deploy/nginx.conf.template`` (``manage.py nginx_conf``),
   the web process (gunicorn gthread, 2 workers x 4 threads) and the stream process (uvicorn);
   beside them, the baseline (nginx serving the same documents as static files, the same
   number of workers) and, for the process-model question, the same Django app under gunicorn
   with uvicorn workers (ASGI).
3. wrk at ``--connections`` (64): the title document warm (2,000 ids) and cold (40,000 ids;
   the page cache dropped when the kernel lets us) through the shipped nginx and the baseline,
   taking turns, best of ``--rounds`` (other load on a shared machine only slows a run down);
   the app alone (nginx bypassed), WSGI and ASGI.
4. Search p50/p95 through the shipped nginx (10 exact titles and 10 typo variants).
5. A subtitle and a manga page (a generated video with a text track, a generated CBZ, both
   ingested through the pipeline): through nginx (its cache) and from the app alone; pages on a
   page-cache hit and a miss (the Redis page cache emptied before each request).
6. Peak RSS (VmHWM) of each process after each run. Prints a table and writes
   bench/out/edge.json. Every process it started is stopped on exit.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
from api_read import (  # the bench directory is the script's: django is set up there
    check_production_settings,
    pick_search_queries,
    search_http,
    write_static,
)
from django.conf import settings
from django.core.management import call_command
from harness import (
    LUA,
    Processes,
    WrkResult,
    free_port,
    pct,
    run_wrk,
    start_gunicorn,
    start_nginx,
    wait_http,
)
from PIL import Image
from stream import children, status_kib

from catalog.selectors import public_titles
from core.management.commands.nginx_conf import render
from core.signing import sign
from ingest.chapters import chapter_ingest
from ingest.local import media_ingest
from vault.pagecache import pages

ROOT = Path(__file__).resolve().parent.parent
SRT = "1\n00:00:01,000 --> 00:00:03,000\nHello from the edge.\n\n"


def tree(pid: int) -> list[int]:
    """A process and all its descendants (gunicorn's and nginx's workers)."""
    return [pid, *(p for kid in children(pid) for p in tree(kid))]


def drop_page_cache() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        return True
    except OSError:
        return False


def make_media(work: Path) -> tuple[Path, Path]:
    video, srt = work / "Edge.Bench.2020.720p.mkv", work / "eng.srt"
    srt.write_text(SRT)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=size=320x240:rate=25:duration=4", "-i", str(srt), "-map", "0:v", "-map", "1",
         "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "srt",
         "-metadata:s:s:0", "language=eng", str(video)],
        check=True, timeout=120,
    )  # fmt: skip
    cbz = work / "Edge Bench Manga - Chapter 1.cbz"
    with zipfile.ZipFile(cbz, "w") as zf:
        for n in range(1, 9):
            img = Image.new("RGB", (1000, 1500), ((n * 30) % 256, 90, 160))
            path = work / f"p{n}.jpg"
            img.save(path, quality=85)
            zf.write(path, f"{n:03d}.jpg")
    return video, cbz


def timed(client: httpx.Client, url: str, n: int, before=None) -> list[float]:
    times = []
    for _ in range(n):
        if before is not None:
            before()
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="document runs, best kept")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--warm-ids", type=int, default=2000)
    parser.add_argument("--cold-ids", type=int, default=40000)
    parser.add_argument("--requests", type=int, default=300, help="per subtitle/page case")
    parser.add_argument("--search-repeats", type=int, default=30)
    parser.add_argument("--search-only", action="store_true", help="only the search figures")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    check_production_settings()
    if not settings.EDGE_DIR:
        sys.exit("EDGE_DIR must be set (bench/run_api_read.sh sets it)")
    work = Path(tempfile.mkdtemp(prefix="edge-", dir=args.work))
    work.chmod(0o755)
    procs = Processes(work)
    try:
        return run(args, work, procs)
    finally:
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)


def start_shipped(procs: Processes, work: Path, workers: int) -> dict[str, object]:
    web_port, stream_port, edge_port = free_port(), free_port(), free_port()
    env = {**os.environ, "WEB_PORT": str(web_port), "STREAM_PORT": str(stream_port)}
    bin_dir = Path(sys.executable).parent
    web = procs.start("web", [str(bin_dir / "gunicorn"), "streamvault.wsgi:application",
                              "--bind", f"127.0.0.1:{web_port}", "--worker-class", "gthread",
                              "--workers", str(workers), "--threads", "4", "--backlog", "2048",
                              "--log-level", "warning"],
                      work / "web.log", cwd=ROOT, env=env)  # fmt: skip
    stream = procs.start("stream", [str(bin_dir / "uvicorn"), "streamvault.asgi:application",
                                    "--host", "127.0.0.1", "--port", str(stream_port),
                                    "--no-access-log", "--log-level", "warning"],
                         work / "stream.log", cwd=ROOT, env=env)  # fmt: skip
    os.environ.update(
        EDGE_LISTEN=f"127.0.0.1:{edge_port}", WEB_PORT=str(web_port),
        STREAM_PORT=str(stream_port), EDGE_WORKERS=str(workers), EDGE_ACCESS_LOG="off",
        EDGE_USER="root",
    )  # fmt: skip
    run_dir = work / "shipped-nginx"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    (run_dir / "nginx.conf").write_text(render(run_dir=run_dir))
    nginx = procs.start("nginx", [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(run_dir),
                                  "-c", str(run_dir / "nginx.conf"), "-g", "daemon off;"],
                        run_dir / "stdout.log")  # fmt: skip
    return {
        "web": (f"http://127.0.0.1:{web_port}", web),
        "stream": (f"http://127.0.0.1:{stream_port}", stream),
        "edge": (f"http://127.0.0.1:{edge_port}", nginx),
    }


def run(args: argparse.Namespace, work: Path, procs: Processes) -> int:
    rng = random.Random(args.seed)
    total = public_titles().count()
    results: dict = {"titles": total, "rss_kib": {}}
    print(f">> {total:,} public titles; edge_sync --refill", flush=True)
    t0 = time.perf_counter()
    call_command("edge_sync", "--refill", stdout=open(os.devnull, "w"))
    results["edge_sync_seconds"] = time.perf_counter() - t0
    servers = start_shipped(procs, work, args.workers)
    edge, nginx_proc = servers["edge"]
    web, web_proc = servers["web"]
    stream, _ = servers["stream"]
    wait_http(web + "/api/genres/", web_proc, "web")
    wait_http(edge + "/api/genres/", nginx_proc, "nginx")

    def rss(label: str) -> None:
        results["rss_kib"][label] = {
            name: sum(status_kib(p, "VmHWM") for p in tree(proc.pid))
            for name, (_, proc) in servers.items()
        }

    print(">> search through the shipped nginx", flush=True)
    queries = pick_search_queries(rng)
    http = search_http(edge, queries, args.search_repeats)
    every = http["times"]["exact"] + http["times"]["typo"]
    results["search"] = {
        kind: {"p50": pct(t, 50), "p95": pct(t, 95), "found": sum(r is not None for r in
               http["ranks"][kind])} for kind, t in http["times"].items()
    }  # fmt: skip
    results["search"]["all"] = {"p50": pct(every, 50), "p95": pct(every, 95)}
    rss("search")
    if args.search_only:
        return report(args, results)

    wanted = args.warm_ids + args.cold_ids
    sample = list(public_titles().order_by("?").values_list("short_id", flat=True)[:wanted])
    warm, cold = sample[: args.warm_ids], sample[args.warm_ids :]
    write_static(work, sample)
    baseline = start_nginx(procs, work, args.workers)
    asgi = start_gunicorn(procs, work, "uvicorn", args.workers)
    wait_http(baseline + f"/api/titles/{warm[0]}/", procs.procs[-2][1], "baseline nginx")
    wait_http(asgi + f"/api/titles/{warm[0]}/", procs.procs[-1][1], "asgi")
    probe = f"/api/titles/{warm[0]}/"
    answer = httpx.get(edge + probe)
    if (
        answer.headers.get("x-edge") != "document"
        or answer.content != httpx.get(baseline + probe).content
    ):
        sys.exit("the shipped nginx does not answer the document from the edge")
    lua, warm_file, cold_file = work / "cycle.lua", work / "warm.txt", work / "cold.txt"
    lua.write_text(LUA)
    warm_file.write_text("".join(f"/api/titles/{s}/\n" for s in warm))
    cold_file.write_text("".join(f"/api/titles/{s}/\n" for s in cold))
    short = argparse.Namespace(**{**vars(args), "duration": 3})
    for base in (edge, baseline, web, asgi):
        run_wrk(base, warm_file, lua, short)  # warm-up: Redis, connections, page cache
    wrk: dict[str, WrkResult] = {}
    print(
        f">> title document, wrk -c{args.connections} -d{args.duration}s, "
        f"best of {args.rounds} interleaved rounds",
        flush=True,
    )
    dropped = False
    for _ in range(args.rounds):  # the shipped nginx and the baseline take turns
        for name, base, paths in (
            ("edge warm", edge, warm_file),
            ("static warm", baseline, warm_file),
            ("edge cold", edge, cold_file),
            ("static cold", baseline, cold_file),
        ):
            if "cold" in name:
                dropped = drop_page_cache()
            result = run_wrk(base, paths, lua, args)
            if name not in wrk or result.rps > wrk[name].rps:
                wrk[name] = result
    rss("documents")
    wrk["app warm (gthread)"] = run_wrk(web, warm_file, lua, args)
    wrk["app warm (ASGI)"] = run_wrk(asgi, warm_file, lua, args)
    rss("app alone")
    results["wrk"] = {k: vars(v) for k, v in wrk.items()}
    results["page_cache_dropped"] = dropped

    print(">> subtitles and pages", flush=True)
    video, cbz = make_media(work)
    media_file = media_ingest(path=video).media_file
    chapter = chapter_ingest(path=cbz).chapter
    track = media_file.subtitles.filter(kind="text").first()
    sub = sign(uri=f"/api/subs/{media_file.file_hash}/{track.stream_index}.vtt", ttl=3600).url
    page = sign(uri=f"/api/read/{chapter.pk}/3", ttl=3600).url
    sub_path, page_path = sub.split("/", 3)[3], page.split("/", 3)[3]
    n = args.requests
    with httpx.Client(timeout=30) as client:
        client.get(f"{edge}/{sub_path}")
        client.get(f"{edge}/{page_path}")
        results["subtitle_ms"] = {
            "nginx cache": timed(client, f"{edge}/{sub_path}", n),
            "app": timed(client, f"{stream}/{sub_path}", n),
        }
        results["page_ms"] = {
            "nginx cache": timed(client, f"{edge}/{page_path}", n),
            "app, page-cache hit": timed(client, f"{stream}/{page_path}", n),
            "app, page-cache miss": timed(client, f"{stream}/{page_path}", n, pages.clear),
        }
    rss("subtitles and pages")
    return report(args, results)


def report(args: argparse.Namespace, r: dict) -> int:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "",
        f"StreamVault edge benchmark - {now} - {r['titles']:,} titles - {os.cpu_count()} cores "
        f"({platform.machine()}); edge_sync --refill {r['edge_sync_seconds']:.1f} s",
    ]
    s = r["search"]
    out += [
        "",
        "| search through the shipped nginx | p50 ms | p95 ms | found |",
        "|---|---|---|---|",
        f"| exact (10 queries x {args.search_repeats}) | {s['exact']['p50']:.1f} | "
        f"{s['exact']['p95']:.1f} | {s['exact']['found']}/10 |",
        f"| typo (10 queries x {args.search_repeats}) | {s['typo']['p50']:.1f} | "
        f"{s['typo']['p95']:.1f} | {s['typo']['found']}/10 |",
        f"| all | {s['all']['p50']:.1f} | {s['all']['p95']:.1f} | |",
    ]
    if "wrk" in r:
        w = r["wrk"]
        out += [
            "",
            f"| GET /api/titles/{{id}}/, wrk -c{args.connections} | req/s | p50 ms | p99 ms "
            "| ratio to static |",
            "|---|---|---|---|---|",
        ]
        for name, v in w.items():
            base = w.get(f"static {name.split()[-1]}") if name.startswith("edge") else None
            ratio = f"{v['rps'] / base['rps']:.2f}x" if base else ""
            out.append(
                f"| {name} | {v['rps']:,.0f} | {v['p50_ms']:.2f} | {v['p99_ms']:.2f} | {ratio} |"
            )
        if not r["page_cache_dropped"]:
            out.append(
                "(the page cache could not be dropped: 'cold' runs read ids not read before)"
            )
        out += ["", "| bytes | p50 ms | p95 ms |", "|---|---|---|"]
        for label, key in (("subtitle", "subtitle_ms"), ("manga page", "page_ms")):
            for case, times in r[key].items():
                out.append(f"| {label}, {case} | {pct(times, 50):.2f} | {pct(times, 95):.2f} |")
    out += ["", "| peak RSS, MiB (all processes of each) | " + " | ".join(
        next(iter(r["rss_kib"].values()))) + " |"]  # fmt: skip
    out.append("|---" * (1 + len(next(iter(r["rss_kib"].values())))) + "|")
    for label, row in r["rss_kib"].items():
        out.append(
            f"| after {label} | " + " | ".join(f"{v / 1024:.0f}" for v in row.values()) + " |"
        )
    print("\n".join(out), flush=True)
    dest = ROOT / "bench" / "out"
    dest.mkdir(parents=True, exist_ok=True)
    name = "edge-search.json" if args.search_only else "edge.json"
    (dest / name).write_text(json.dumps(r, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
