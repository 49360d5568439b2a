"""API read benchmark (docs/design.md): the title detail endpoint against nginx serving the same
documents as static files, on the same machine in the same run, and search latency.

Run it through ``bench/run_api_read.sh`` (it starts private PostgreSQL and Redis, loads the
titles, and sets the environment this script expects). See bench/README.md.

What it does:
1. Checks it runs with production settings (DEBUG off, PostgreSQL, Redis cache).
2. Counts queries of the detail view in-process (Django test client + CaptureQueriesContext):
   uncached must be 1 query, cached 0.
3. Writes the documents of the sampled titles as static JSON files (byte-for-byte the API's
   body) and starts a private nginx on a free port; starts the app under gunicorn.
4. wrk with the same Lua script (cycling through many different short ids) against both:
   warm (every sampled document already in Redis) and cold (Redis flushed, ids never asked
   before). Throughput, p50 and p99.
5. Search: 10 exact titles picked from the database and 10 typo variants of them, each asked
   many times sequentially over HTTP with httpx; p50/p95, whether the intended title is on the
   first page, and the database time of the same queries (count + first page) in-process.
6. Prints a table. Every process it started is stopped on exit.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

import httpx  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import TextField  # noqa: E402
from django.db.models.functions import Cast  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from harness import (  # noqa: E402  (bench/ is the script's directory)
    LUA,
    Processes,
    WrkResult,
    pct,
    run_wrk,
    start_gunicorn,
    start_nginx,
    wait_http,
)

from catalog.models import Title  # noqa: E402
from catalog.selectors import public_titles, title_search  # noqa: E402
from catalog.services import title_cache_key  # noqa: E402

PAGE_SIZE = settings.REST_FRAMEWORK["PAGE_SIZE"]
# --- the measurements --------------------------------------------------------------------


def check_production_settings() -> None:
    problems = []
    if settings.DEBUG:
        problems.append("DEBUG is on")
    if connection.vendor != "postgresql":
        problems.append(f"database is {connection.vendor}, not PostgreSQL")
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        problems.append("the cache is not Redis (set REDIS_URL)")
    if problems:
        sys.exit("api_read needs production settings: " + "; ".join(problems))


def query_counts(short_ids: list[str]) -> tuple[int, int]:
    """Max queries of one detail request, uncached and cached, over a few ids."""
    client = Client(HTTP_HOST="127.0.0.1")
    uncached = cached = 0
    for short_id in short_ids:
        cache.delete(title_cache_key(short_id))
        url = f"/api/titles/{short_id}/"
        with CaptureQueriesContext(connection) as first:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as second:
            assert client.get(url).content == response.content
        uncached, cached = max(uncached, len(first)), max(cached, len(second))
    return uncached, cached


def write_static(work: Path, short_ids: list[str]) -> None:
    """One file per title, byte-for-byte the body the API answers with."""
    docs = work / "static" / "docs"
    docs.mkdir(parents=True)
    for start in range(0, len(short_ids), 2000):
        chunk = short_ids[start : start + 2000]
        # The API answers with the stored JSON as PostgreSQL prints it (document::text).
        rows = Title.objects.filter(short_id__in=chunk).values_list(
            "short_id", Cast("document", output_field=TextField())
        )
        for short_id, text in rows:
            (docs / f"{short_id}.json").write_bytes(text.encode())
    for path in (work, work / "static", docs):  # nginx workers run as nobody
        path.chmod(0o755)


def typo(text: str, rng: random.Random) -> str:
    """Drop or swap one letter in every word of 4+ letters ("Avengers Endgame" → "Avngers
    Endgmae")."""
    words = []
    for word in text.split():
        if len(word) >= 4 and word.isalpha():
            i = rng.randrange(1, len(word) - 1)
            if rng.random() < 0.5:
                word = word[:i] + word[i + 1 :]
            else:
                word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        words.append(word)
    return " ".join(words)


def pick_search_queries(rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, query, short_id of the intended title): 10 exact titles and their typo
    variants. Titles are picked at random among public ones."""
    ids = sorted(public_titles().values_list("id", flat=True))
    chosen = rng.sample(ids, 10)
    by_id = dict(public_titles().filter(id__in=chosen).values_list("id", "title"))
    short = dict(public_titles().filter(id__in=chosen).values_list("id", "short_id"))
    picked = [(by_id[i], short[i]) for i in chosen]
    queries = [("exact", t, s) for t, s in picked]
    queries += [("typo", typo(t, rng), s) for t, s in picked]
    return queries


def search_http(base: str, queries: list[tuple[str, str, str]], repeats: int) -> dict[str, Any]:
    times: dict[str, list[float]] = {"exact": [], "typo": []}
    ranks: dict[str, list[int | None]] = {"exact": [], "typo": []}
    with httpx.Client(base_url=base, timeout=30) as client:
        for kind, query, short_id in queries:
            for i in range(repeats + 1):
                t0 = time.perf_counter()
                response = client.get("/api/titles/", params={"search": query})
                elapsed = (time.perf_counter() - t0) * 1000
                response.raise_for_status()
                if i == 0:  # the first is a warm-up; it tells where the title ranks
                    ids = [c["short_id"] for c in response.json()["results"]]
                    ranks[kind].append(ids.index(short_id) + 1 if short_id in ids else None)
                else:
                    times[kind].append(elapsed)
    return {"times": times, "ranks": ranks}


def search_db(queries: list[tuple[str, str, str]], repeats: int) -> dict[str, list[float]]:
    """The two queries the list view runs (count, first page), timed in-process."""
    times: dict[str, list[float]] = {"exact": [], "typo": []}
    for kind, query, _ in queries:
        for i in range(repeats + 1):
            t0 = time.perf_counter()
            qs = title_search(public_titles().only("id", "card"), query)
            qs.count()
            list(qs[:PAGE_SIZE])
            if i:
                times[kind].append((time.perf_counter() - t0) * 1000)
    return times


def explain(query: str) -> str:
    qs = title_search(public_titles().only("id", "card"), query)[:PAGE_SIZE]
    return qs.explain(analyze=True, buffers=True)


# --- main --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--server", choices=["sync", "gthread", "uvicorn"], default="gthread")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--nginx-workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--warm-ids", type=int, default=2000, help="ids cycled, warm runs")
    parser.add_argument("--cold-ids", type=int, default=40000, help="ids cycled, cold runs")
    parser.add_argument("--search-repeats", type=int, default=30, help="runs per query")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE")
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temp dir)")
    args = parser.parse_args()

    check_production_settings()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk; bench/run_api_read.sh does it)")
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="api-read-", dir=args.work))
    procs = Processes(work)

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        return run(args, rng, work, procs)
    finally:
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, rng: random.Random, work: Path, procs: Processes) -> int:
    total = Title.objects.count()
    public = public_titles().count()
    wanted = args.warm_ids + args.cold_ids
    print(f">> {total} titles ({public} public); sampling {wanted} ids", flush=True)
    sample = list(public_titles().order_by("?").values_list("short_id", flat=True)[:wanted])
    if len(sample) < wanted:
        sys.exit(f"only {len(sample)} public titles; load more (load_bulk --titles N)")
    warm_ids, cold_ids = sample[: args.warm_ids], sample[args.warm_ids :]

    print(">> query counts (in-process test client)", flush=True)
    uncached_q, cached_q = query_counts(warm_ids[:5])

    print(">> writing static documents for nginx", flush=True)
    write_static(work, sample)
    warm_paths, cold_paths, lua = work / "warm.txt", work / "cold.txt", work / "cycle.lua"
    warm_paths.write_text("".join(f"/api/titles/{s}/\n" for s in warm_ids))
    cold_paths.write_text("".join(f"/api/titles/{s}/\n" for s in cold_ids))
    lua.write_text(LUA)

    print(f">> starting nginx and gunicorn ({args.server}, {args.workers} workers)", flush=True)
    nginx = start_nginx(procs, work, args.nginx_workers)
    app = start_gunicorn(procs, work, args.server, args.workers)
    probe = f"/api/titles/{warm_ids[0]}/"
    wait_http(nginx + probe, procs.procs[0][1], "nginx")
    wait_http(app + probe, procs.procs[1][1], "gunicorn")
    same = all(httpx.get(app + p).content == httpx.get(nginx + p).content for p in
               (f"/api/titles/{s}/" for s in warm_ids[:20]))  # fmt: skip
    if not same:
        sys.exit("nginx and the app answer different bodies: the comparison would be unfair")

    print(">> warming: every warm id into Redis, a short run on both servers", flush=True)
    with httpx.Client(base_url=app) as client:
        for s in warm_ids:
            client.get(f"/api/titles/{s}/").raise_for_status()
    warmup = argparse.Namespace(**{**vars(args), "duration": 3})
    run_wrk(app, warm_paths, lua, warmup)
    run_wrk(nginx, warm_paths, lua, warmup)

    results: dict[str, WrkResult] = {}
    print(f">> detail, warm: wrk {args.duration}s each", flush=True)
    results["nginx warm"] = run_wrk(nginx, warm_paths, lua, args)
    results["app warm"] = run_wrk(app, warm_paths, lua, args)
    print(">> detail, cold: cache flushed, ids never asked before", flush=True)
    results["nginx cold"] = run_wrk(nginx, cold_paths, lua, args)
    cache.clear()
    results["app cold"] = run_wrk(app, cold_paths, lua, args)
    cold_repeats = max(0, results["app cold"].requests - len(cold_ids))

    print(f">> search: 20 queries x {args.search_repeats} runs over HTTP, then in-process")
    queries = pick_search_queries(rng)
    http = search_http(app, queries, args.search_repeats)
    db = search_db(queries, args.search_repeats)
    if args.explain:
        for kind, query, _ in (queries[0], queries[10]):
            print(f"\n-- EXPLAIN ANALYZE ({kind}) {query!r}\n{explain(query)}")

    print_table(args, total, results, cold_repeats, uncached_q, cached_q, queries, http, db)
    ok = (
        uncached_q <= 1
        and cached_q == 0
        and pct(http["times"]["exact"] + http["times"]["typo"], 95) < 50
    )
    return 0 if ok else 1


def print_table(
    args: argparse.Namespace,
    total: int,
    results: dict[str, WrkResult],
    cold_repeats: int,
    uncached_q: int,
    cached_q: int,
    queries: list[tuple[str, str, str]],
    http: dict[str, Any],
    db: dict[str, list[float]],
) -> None:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    server = {
        "sync": "gunicorn sync",
        "gthread": "gunicorn gthread (4 threads)",
        "uvicorn": "gunicorn + uvicorn workers (ASGI)",
    }[args.server]
    lines = [
        "",
        f"StreamVault API read benchmark - {now} - {total:,} titles - "
        f"{os.cpu_count()} CPU cores ({platform.machine()}, shared with other work)",
        f"app: {server} x{args.workers} workers, DEBUG=false, PostgreSQL + Redis cache; "
        f"baseline: nginx x{args.nginx_workers} workers, same JSON as static files",
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, Lua cycling "
        f"{args.warm_ids:,} (warm) / {args.cold_ids:,} (cold) different short ids",
        "",
        f"{'GET /api/titles/{id}/':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}"
        f"{'requests':>10}{'errors':>8}",
    ]
    for scenario in ("warm", "cold"):
        label = {"warm": "warm (Redis cache hit)", "cold": "cold (cache flushed, new ids)"}
        for server_name in ("app", "nginx"):
            r = results[f"{server_name} {scenario}"]
            name = f"{label[scenario] if server_name == 'app' else ''}"
            lines.append(
                f"  {name:<22}{server_name:<10}{r.rps:>10.0f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}"
                f"{r.requests:>10}{r.non_2xx + r.socket_errors:>8}"
            )
        app, ngx = results[f"app {scenario}"], results[f"nginx {scenario}"]
        lines.append(
            f"  {'':<22}{'app/nginx':<10}{app.rps / ngx.rps:>10.2f}"
            f"{app.p50_ms / ngx.p50_ms:>9.1f}x{app.p99_ms / ngx.p99_ms:>9.1f}x"
        )
    if cold_repeats:
        lines.append(f"  (cold run repeated {cold_repeats} ids: those requests were cache hits)")
    budget = "OK" if uncached_q <= 1 and cached_q == 0 else "OVER BUDGET"
    lines += [
        "",
        f"queries per detail request: uncached {uncached_q}, cached {cached_q} "
        f"(budget 1 / 0): {budget}",
        "",
        f"{'GET /api/titles/?search=':<34}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'found':>10}",
    ]
    everything: list[float] = []
    db_all: list[float] = []
    for kind in ("exact", "typo"):
        t = http["times"][kind]
        everything += t
        db_all += db[kind]
        ranks = http["ranks"][kind]
        found = sum(r is not None for r in ranks)
        lines.append(
            f"  {kind + ' (10 queries, HTTP)':<32}{pct(t, 50):>10.1f}{pct(t, 95):>10.1f}"
            f"{max(t):>10.1f}{f'{found}/10':>10}"
        )
    lines.append(
        f"  {'all 20 (HTTP)':<32}{pct(everything, 50):>10.1f}{pct(everything, 95):>10.1f}"
        f"{max(everything):>10.1f}"
    )
    for kind in ("exact", "typo"):
        t = db[kind]
        lines.append(
            f"  {kind + ' (DB: count + page)':<32}{pct(t, 50):>10.1f}{pct(t, 95):>10.1f}"
            f"{max(t):>10.1f}"
        )
    p95 = pct(everything, 95)
    lines += [
        f"search p95 {p95:.1f} ms (budget < 50 ms): {'OK' if p95 < 50 else 'OVER BUDGET'}; "
        f"'found' = the intended title on the first page ({PAGE_SIZE} results)",
        "",
        "queries (rank of the intended title):",
    ]
    ranks = http["ranks"]["exact"] + http["ranks"]["typo"]
    for (kind, query, _), rank in zip(queries, ranks, strict=True):
        lines.append(f"  {kind:<6}{rank if rank else '-':>3}  {query}")
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
