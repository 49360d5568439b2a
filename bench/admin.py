"""The admin console at size: the lists a moderator works from and the dashboard, over the
titles ``load_bulk`` made (100,000 by default) and, made here, 20,000 reports, 50,000 jobs,
100,000 audit entries and 20,000 comments — each page rendered in-process by Django's test
client for a signed-in superuser (theme, sidebar, badges and all), p50/p95 over ``--rounds``
(each round goes through every page in turn, so the machine's slow spells fall on all alike),
with the number of queries it made. The baseline, measured in the same run, is the same list
asked for no rows (``?id__exact=0``; for the dashboard, the password-change page): the frame's
own cost, so the ratio is what the rows cost.

    bash bench/run_api_read.sh --titles 100000 --script bench/admin.py
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")
django.setup()

# After django.setup(): these import models.
from django.conf import settings  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User, UserKind  # noqa: E402
from bench.harness import pct  # noqa: E402
from catalog.models import MediaFile, Title  # noqa: E402
from community.models import Comment  # noqa: E402
from core.models import AuditEntry  # noqa: E402
from jobs.models import Job  # noqa: E402
from medic.models import Report  # noqa: E402
from streamvault.admin_console import WAITING_KEY, waiting  # noqa: E402

PAGES = [
    ("titles", "/admin/catalog/title/"),
    ("media files", "/admin/catalog/mediafile/"),
    ("episodes", "/admin/catalog/episode/"),
    ("reports", "/admin/medic/report/"),
    ("reports, pending", "/admin/medic/report/?status__exact=pending"),
    ("jobs", "/admin/jobs/job/"),
    ("audit entries", "/admin/core/auditentry/"),
    ("audit, searched", "/admin/core/auditentry/?q=Bulk"),
    ("comments", "/admin/community/comment/"),
    ("users", "/admin/accounts/user/"),
    ("quarantine", "/admin/ingest/submission/"),
]
BATCH = 5000


def load(reports: int, jobs: int, audits: int, comments: int) -> None:
    if Report.objects.count() >= reports:
        return
    print(f">> {reports} reports, {jobs} jobs, {audits} audit entries, {comments} comments")
    users = User.objects.bulk_create(
        User(username=f"viewer{i}", kind=UserKind.TELEGRAM, telegram_id=2 * 10**9 + i)
        for i in range(200)
    )
    files = list(
        MediaFile.objects.order_by("id").values_list("id", "title_id")[: max(reports, comments)]
    )
    issues = ["dead_link", "out_of_sync", "wrong_file", "wrong_audio"]
    statuses = ["pending", "fixed", "ignored", "repairing"]
    Report.objects.bulk_create(
        (
            Report(
                title_id=files[i % len(files)][1],
                media_file_id=files[i % len(files)][0],
                target_type="file",
                target_key=f"file:{files[i % len(files)][0]}",
                reported_by=users[i % len(users)],
                issue=issues[(i // len(files)) % len(issues)],
                status=statuses[i % len(statuses)],
            )
            for i in range(reports)
        ),
        batch_size=BATCH,
    )
    kinds = ["ingest_url", "rendition", "pack_build", "broadcast"]
    states = ["done", "done", "done", "failed", "queued"]
    Job.objects.bulk_create(
        (Job(kind=kinds[i % 4], status=states[i % 5], payload={"n": i}) for i in range(jobs)),
        batch_size=BATCH,
    )
    title_type = ContentType.objects.get_for_model(Title)
    AuditEntry.objects.bulk_create(
        (
            AuditEntry(
                actor=users[i % len(users)],
                actor_repr=users[i % len(users)].username,
                action=["title_edit", "report_fix", "comment_remove"][i % 3],
                target_type=title_type,
                target_id=str(files[i % len(files)][1]),
                target_repr=f"Bulk title {i}",
                after={"n": i},
            )
            for i in range(audits)
        ),
        batch_size=BATCH,
    )
    Comment.objects.bulk_create(
        (
            Comment(
                target_type="title",
                target_key=f"title:{files[i % len(files)][1]}",
                title_id=files[i % len(files)][1],
                user=users[i % len(users)],
                nickname=f"viewer{i % len(users)}",
                avatar_seed=f"{i:016x}",
                body=f"Comment {i}",
                moderation_status="flagged" if i % 50 == 0 else "active",
            )
            for i in range(comments)
        ),
        batch_size=BATCH,
    )


class Pauses:
    """Garbage-collection time inside a request (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.ms = 0.0
        self._start = 0.0
        gc.callbacks.append(self._on)

    def _on(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.ms += (time.perf_counter() - self._start) * 1000


PAUSES = Pauses()
SLOW: list[str] = []  # the slow rounds and what was going on in them


def _queries(client: Client, url: str) -> int:
    n = 0

    def count(execute, sql, params, many, context):
        nonlocal n
        n += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):  # survives the request's reconnects
        client.get(url)
    return n


def measure(client: Client, urls: list[str], rounds: int) -> dict[str, tuple[float, float, int]]:
    """p50, p95 and queries of each URL. The rounds go through every URL in turn, so a slow
    spell of the machine (a neighbour on the host) falls on all pages alike, not on one."""
    for url in urls:
        for _ in range(2):  # warm: the badge cache, Django's template cache
            assert client.get(url).status_code == 200, url
    queries = {url: _queries(client, url) for url in urls}
    times: dict[str, list[float]] = {url: [] for url in urls}
    why: dict[str, list[tuple[bool, float]]] = {url: [] for url in urls}
    for _ in range(rounds):
        for url in urls:
            cold = cache.get(WAITING_KEY) is None  # the sidebar's counts are made in this request
            gc_before = PAUSES.ms
            started = time.perf_counter()
            response = client.get(url)
            times[url].append((time.perf_counter() - started) * 1000)
            why[url].append((cold, PAUSES.ms - gc_before))
            assert response.status_code == 200, url
    result = {}
    for url in urls:
        p50 = pct(times[url], 50)
        for ms, (cold, gc_ms) in zip(times[url], why[url], strict=True):
            if ms > 1.5 * p50:
                SLOW.append(
                    f"{url}: {ms:.0f} ms (p50 {p50:.0f}); badges counted: {cold}; GC {gc_ms:.0f} ms"
                )
        result[url] = (p50, pct(times[url], 95), queries[url])
    return result


def profile(client: Client, url: str) -> None:
    """Where one render of ``url`` spends its time (cProfile, top functions by own time)."""
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    # PROF_SORT=cumulative PROF_N=80 for the call tree's heaviest branches.
    stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROF_SORT", "tottime"))
    stats.print_stats(int(os.environ.get("PROF_N", "25")))


def machine_ms() -> float:
    """The machine's speed now: the best of five runs of a fixed pure-Python loop (on this
    shared 2-core host it varies by half from hour to hour, and every page with it)."""
    best = float("inf")
    for _ in range(5):
        started, total = time.perf_counter(), 0
        for i in range(3_000_000):
            total += i
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def _baseline(url: str) -> str:
    """The same frame with no rows (for the dashboard: a page of the same frame)."""
    if url == "/admin/":
        return "/admin/password_change/"
    return url + ("&" if "?" in url else "?") + "id__exact=0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", help="(given by run_api_read.sh; unused)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=50_000)
    parser.add_argument("--audits", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--profile", metavar="URL", help="profile one render of this page")
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="leave what the process loaded in the collector's way (gc.freeze not called)",
    )
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    load(args.reports, args.jobs, args.audits, args.comments)
    with connection.cursor() as cursor:  # the planner's statistics of the rows just made, as
        cursor.execute("ANALYZE")  # autovacuum gives production (else it re-plans mid-run)
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(admin)
    if args.freeze:  # as the web process does once it has loaded (streamvault/wsgi.py)
        client.get("/admin/")
        gc.freeze()
    if args.profile:
        profile(client, args.profile)
        return
    print(
        f"titles: {Title.objects.count():,}; rounds per page: {args.rounds}; "
        f"machine: a 3M-step Python loop in {machine_ms():.0f} ms"
    )
    print(
        "| page | p50 / p95 ms | queries | empty list (baseline) p50 / p95 ms | ratio p50 |"
        "\n|---|---|---|---|---|"
    )
    worst = 0.0
    pages = [(name, url, _baseline(url)) for name, url in [*PAGES, ("dashboard", "/admin/")]]
    figures = measure(client, [u for _, url, base in pages for u in (url, base)], args.rounds)
    for name, url, base in pages:
        (p50, p95, queries), (b50, b95, _) = figures[url], figures[base]
        worst = max(worst, p95)
        print(
            f"| {name} | {p50:.1f} / {p95:.1f} | {queries} | {b50:.1f} / {b95:.1f} |"
            f" {p50 / b50:.2f}x |"
        )
    print(f"\nslowest p95: {worst:.1f} ms (target: every page under 200 ms)")
    print(f"\nslow rounds (over 1.5x their page's p50): {len(SLOW)}")
    for line in SLOW:
        print(f"- {line}")
    cache.delete(WAITING_KEY)
    started = time.perf_counter()
    waiting()
    print(f"the sidebar's counts, made afresh: {(time.perf_counter() - started) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
