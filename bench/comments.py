"""Comments at size: a title with 20,000 comments (1,000 of them timeline comments)
and 100,000 likes on PostgreSQL, read over HTTP through gunicorn — newest, top and ``until=``
pages of 50, p50/p95 — against the baseline of the same page's SQL alone, in-process, in the
same run; then a flood of 1,000 likes from 50 users through the API, checked exact.
Run through ``bench/run_comments.sh`` (PostgreSQL, Redis, production settings)."""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import django
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")
django.setup()

# After django.setup(): these import models.
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User, UserKind  # noqa: E402
from bench.harness import Processes, pct, start_gunicorn, wait_http  # noqa: E402
from catalog import services as catalog  # noqa: E402
from community.models import Comment, CommentLike  # noqa: E402
from community.selectors import comments_for  # noqa: E402
from community.services import target_resolve  # noqa: E402


def load(comments: int, timeline: int, likes: int) -> tuple[str, list[User]]:
    title = catalog.title_create(media_type="movie", title="Bench Film", status="available")
    users = User.objects.bulk_create(
        User(username=f"bench{i}", kind=UserKind.TELEGRAM, telegram_id=10**9 + i)
        for i in range(2000)
    )
    rng = random.Random(7)
    rows = [
        Comment(
            target_type="title",
            target_key=f"title:{title.pk}",
            title=title,
            user=users[i % len(users)],
            nickname=f"User{i % 2000}",
            avatar_seed="abcdef12",
            body=f"Comment number {i} >!with a spoiler!< and some words",
            timestamp=rng.randrange(0, 7200) if i < timeline else None,
        )
        for i in range(comments)
    ]
    Comment.objects.bulk_create(rows, batch_size=2000)
    ids = list(Comment.objects.values_list("id", flat=True))
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < likes:
        pairs.add((rng.choice(ids), rng.randrange(len(users))))
    CommentLike.objects.bulk_create(
        (CommentLike(comment_id=c, user=users[u]) for c, u in pairs), batch_size=5000
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE community_comment c SET likes = l.n FROM (SELECT comment_id, count(*) n "
            "FROM community_commentlike GROUP BY comment_id) l WHERE l.comment_id = c.id"
        )
        cursor.execute("VACUUM ANALYZE")
    return title.short_id, users


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def session_cookies(user: User) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": "b" * 32}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--timeline", type=int, default=1_000)
    parser.add_argument("--likes", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--explain", action="store_true", help="print the pages' query plans")
    args = parser.parse_args()
    if settings.DEBUG or connection.vendor != "postgresql":
        raise SystemExit("run with DEBUG off on PostgreSQL (bench/run_comments.sh)")

    started = time.perf_counter()
    short_id, users = load(args.comments, args.timeline, args.likes)
    print(
        f"loaded {args.comments} comments, {args.likes} likes in "
        f"{time.perf_counter() - started:.0f} s"
    )
    target = target_resolve(f"title:{short_id}")
    procs = Processes(args.work)
    try:
        base = start_gunicorn(procs, args.work, "gthread", workers=2)
        wait_http(f"{base}/api/titles/{short_id}/", procs.procs[-1][1], "gunicorn")
        cookies = session_cookies(users[0])
        http = httpx.Client(base_url=base, cookies=cookies, timeout=10)
        cases = {
            "newest": (
                {"ordering": "new"},
                lambda: list(
                    comments_for(target=target, parent_id=None, until=None).order_by(
                        "-created_at", "-id"
                    )[:51]
                ),
            ),
            "top": (
                {"ordering": "top"},
                lambda: list(
                    comments_for(target=target, parent_id=None, until=None).order_by(
                        "-likes", "-id"
                    )[:51]
                ),
            ),
            "until=3600": (
                {"until": 3600},
                lambda: list(
                    comments_for(target=target, parent_id=None, until=3600).order_by(
                        "-created_at", "-id"
                    )[:51]
                ),
            ),
        }
        if args.explain:
            for name, until, order in (
                ("newest", None, ("-created_at", "-id")),
                ("top", None, ("-likes", "-id")),
                ("until=3600", 3600, ("-created_at", "-id")),
            ):
                qs = comments_for(target=target, parent_id=None, until=until)
                print(name, qs.order_by(*order)[:51].explain(analyze=True))
        print(
            f"\n{'page of 50':<12} {'HTTP p50':>9} {'HTTP p95':>9} {'SQL p50':>8} "
            f"{'SQL p95':>8} {'ratio p95':>9}"
        )
        for name, (params, query) in cases.items():
            query_params = {"target": f"title:{short_id}", "page_size": 50, **params}
            first = http.get("/api/comments/", params=query_params)
            assert first.status_code == 200 and len(first.json()["results"]) == 50, first.text
            web = timed(
                lambda qp=query_params: http.get("/api/comments/", params=qp), args.requests
            )
            sql = timed(query, args.requests)
            print(
                f"{name:<12} {pct(web, 50):>8.1f}ms {pct(web, 95):>8.1f}ms "
                f"{pct(sql, 50):>7.1f}ms {pct(sql, 95):>7.1f}ms "
                f"{pct(web, 95) / pct(sql, 95):>8.1f}x"
            )

        # 1,000 likes from 50 users on 20 comments, 16 at a time, with repeats.
        targets = list(Comment.objects.order_by("id").values_list("id", flat=True)[:20])
        Comment.objects.filter(pk__in=targets).update(likes=0)
        CommentLike.objects.filter(comment_id__in=targets).delete()
        likers = [session_cookies(u) for u in users[100:150]]
        clients = [
            httpx.Client(
                base_url=base, cookies=c, timeout=10, headers={"X-CSRFToken": c["csrftoken"]}
            )
            for c in likers
        ]
        rng = random.Random(3)
        plan = [(rng.randrange(50), rng.choice(targets)) for _ in range(1000)]
        started = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            codes = list(
                pool.map(
                    lambda p: clients[p[0]].put(f"/api/comments/{p[1]}/like/").status_code, plan
                )
            )
        elapsed = time.perf_counter() - started
        expected: dict[int, int] = {}
        for _liker, comment in set(plan):
            expected[comment] = expected.get(comment, 0) + 1
        got = dict(Comment.objects.filter(pk__in=targets).values_list("id", "likes"))
        exact = all(got[c] == expected.get(c, 0) for c in targets)
        print(
            f"\nlike flood: {len(plan)} PUTs ({len(set(plan))} distinct) from 50 users in "
            f"{elapsed:.1f} s = {len(plan) / elapsed:.0f}/s; statuses {sorted(set(codes))}; "
            f"final counts exact: {exact}"
        )
        if not exact:
            raise SystemExit("like counts are not exact")
    finally:
        procs.stop_all()


if __name__ == "__main__":
    main()
