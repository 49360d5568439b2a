"""The title document from the app alone (no edge in front): ``GET /api/titles/<id>/`` through
gunicorn gthread as the ``web`` process runs it (2 workers, 4 threads each), with the lean door
(``tenants.door``, what we ship) and, as the baseline in the same run, Django's whole stack
(``streamvault.wsgi:django_application``, the door left out). wrk with 64 connections cycles
through 2,000 ids already in Redis; the two servers take turns for ``--rounds`` rounds and the
best of each is kept.

    bash bench/run_api_read.sh --titles 100000 --script bench/document.py
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

import httpx
from api_read import check_production_settings  # the bench directory is the script's
from harness import LUA, Processes, WrkResult, run_wrk, start_gunicorn, wait_http

from catalog.selectors import public_titles

SERVERS = {
    "the door (shipped)": "streamvault.wsgi:application",
    "Django's whole stack (baseline)": "streamvault.wsgi:django_application",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--ids", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    check_production_settings()
    work = Path(tempfile.mkdtemp(prefix="document-", dir=args.work))
    procs = Processes(work)
    try:
        ids = list(public_titles().order_by("?").values_list("short_id", flat=True)[: args.ids])
        random.Random(args.seed).shuffle(ids)
        paths = work / "paths.txt"
        paths.write_text("".join(f"/api/titles/{i}/\n" for i in ids))
        lua = work / "cycle.lua"
        lua.write_text(LUA)
        bases = {}
        for name, app in SERVERS.items():
            bases[name] = start_gunicorn(procs, work, "gthread", args.workers, app=app)
            wait_http(bases[name] + f"/api/titles/{ids[0]}/", procs.procs[-1][1], name)
        first = [httpx.get(base + f"/api/titles/{ids[0]}/") for base in bases.values()]
        if len({(r.status_code, r.content) for r in first}) != 1:
            sys.exit("the door and Django's stack answer differently")
        warm = argparse.Namespace(**{**vars(args), "duration": 3})
        for base in bases.values():
            run_wrk(base, paths, lua, warm)  # every id into Redis, connections made
        best: dict[str, WrkResult] = {}
        for _ in range(args.rounds):
            for name, base in bases.items():
                result = run_wrk(base, paths, lua, args)
                if result.non_2xx or result.socket_errors:
                    sys.exit(f"{name}: {result}")
                if name not in best or result.rps > best[name].rps:
                    best[name] = result
        baseline = best["Django's whole stack (baseline)"]
        print(
            f"\nGET /api/titles/{{id}}/, the app alone, gunicorn gthread {args.workers} x 4, "
            f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, best of "
            f"{args.rounds}\n\n| server | req/s | p50 ms | p99 ms | ratio |\n|---|---|---|---|---|"
        )
        for name, r in best.items():
            print(
                f"| {name} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
                f"{r.rps / baseline.rps:.2f}x |"
            )
        return 0
    finally:
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
