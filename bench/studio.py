"""The studio at a tenth of its planned scale: 10,000 users, 100,000 projects (one episode
each), 1,000,000 scenes, 200,000 media and 1,000,000 tasks (with their jobs) on PostgreSQL.

Reports p50/p95 of the common queries — a user's projects by status, an episode's scenes in
order, the queued tasks by priority, a project's media by type, title search — each through
our selectors (the ORM, the first page as the API reads it) beside the same query as bare SQL
in the same run; then task claims per second on 2 processes (``--workers``) through the jobs
engine (claim with SKIP LOCKED, run a no-op, finish, release dependents) over chains of
dependent tasks, beside a bare-SQL claim loop over as many independent rows.

Run through ``bench/run_studio.sh`` (a private PostgreSQL and Redis)."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")
django.setup()

from django.db import connection, connections  # noqa: E402

from accounts.models import User, UserKind  # noqa: E402
from jobs import engine  # noqa: E402
from jobs.engine import JobContext, job_create, job_handler  # noqa: E402
from jobs.models import Job, JobStatus  # noqa: E402
from studio import selectors  # noqa: E402
from studio.models import Episode, Media, Project, Scene, Task  # noqa: E402

GENRES = ["action", "comedy", "drama", "horror", "sci-fi", "thriller", "romance", "documentary"]
STATUSES = ["concept", "pre-production", "production", "post-production", "completed", "on-hold"]
WORDS = ["red", "planet", "harbour", "night", "city", "storm", "garden", "echo", "signal", "river"]


@job_handler("bench_noop", label="Bench: no-op", queue="studio")
def _noop(ctx: JobContext) -> None:
    return None


def sql(statement: str) -> None:
    """A statement with no parameters (ours are integers written in)."""
    with connection.cursor() as cursor:
        cursor.execute(statement)


def load(users: int, projects: int, scenes_per: int, media: int, tasks: int) -> None:
    t0 = time.monotonic()
    User.objects.bulk_create(
        (
            User(username=f"bench{i}", kind=UserKind.TELEGRAM, telegram_id=10**9 + i)
            for i in range(users)
        ),
        batch_size=5000,
    )
    first_user = User.objects.order_by("id").values_list("id", flat=True).first()
    genres = "ARRAY[" + ",".join(f"'{g}'" for g in GENRES) + "]"
    statuses = "ARRAY[" + ",".join(f"'{s}'" for s in STATUSES) + "]"
    words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    sql(f"""
        INSERT INTO {Project._meta.db_table} (title, description, genre, episode_count,
            target_audience, status, created_by_id, aspect_ratio, episode_duration, quality_tier,
            current_phase, completed_steps, overall_progress, created_at, updated_at)
        SELECT initcap(({words})[1 + i % 10] || ' ' || ({words})[1 + (i / 10) % 10] || ' ' || i),
            '', ({genres})[1 + i % 8], 5, 'family', ({statuses})[1 + (i / 7) % 6],
            {first_user} + i % {users}, '16:9', 10, 'standard', 'story_development', '[]', 0,
            now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval
        FROM generate_series(0, {projects - 1}) AS i""")
    sql(f"""
        INSERT INTO {Episode._meta.db_table} (project_id, episode_number, title, description,
            logline, summary, themes, status, script, script_version, word_count,
            estimated_duration, scene_count, completed_scenes, render_progress, duration,
            created_at, updated_at)
        SELECT id, 1, 'Pilot', '', '', '', '[]', 'planning', '', 0, 0, 0, {scenes_per}, 0, 0, 0,
            now(), now()
        FROM {Project._meta.db_table}""")
    sql(f"""
        INSERT INTO {Scene._meta.db_table} (project_id, episode_id, scene_number, title, action,
            dialogue, duration, panels, status, attempts, location, time_of_day, mood,
            created_at, updated_at)
        SELECT e.project_id, e.id, n, 'Scene ' || n, '', '[]', 30, '[]',
            (ARRAY['pending','generating','reviewing','approved','failed'])[1 + (e.id + n) % 5],
            0, '', 'day', '', now(), now()
        FROM {Episode._meta.db_table} e, generate_series(1, {scenes_per}) AS n""")
    first_project = Project.objects.order_by("id").values_list("id", flat=True).first()
    types = "ARRAY['style_reference','character_design','concept_art','storyboard','audio_clip']"
    sql(f"""
        INSERT INTO {Media._meta.db_table} (filename, mime_type, filesize, ref, sha256,
            thumbnail_ref, project_id, alt, media_type, agent_generated, provider, cost,
            generation_metadata, description, tags, related_elements, technical_data, version,
            status, created_at, updated_at)
        SELECT 'm' || i || '.png', 'image/png', 1000, '', '', '',
            {first_project} + i % {projects}, '',
            ({types})[1 + (i / 3) % 5], false, '', 0, '{{}}', '', '[]', '{{}}', '{{}}', 1,
            'active', now() - (i || ' seconds')::interval, now()
        FROM generate_series(0, {media - 1}) AS i""")
    sql(f"""
        INSERT INTO {Job._meta.db_table} (kind, status, priority, payload, state, steps_done,
            current_step, progress, attempts, max_attempts, last_error, run_token, scope, runner,
            error_code, created_at, updated_at)
        SELECT 'studio_task',
            CASE WHEN i % 100 = 0 THEN 'queued' WHEN i % 100 < 5 THEN 'failed'
                 WHEN i % 100 < 9 THEN 'cancelled' ELSE 'done' END,
            1 + i % 10, '{{}}', '{{}}', '[]', '', 100, 1, 5, '', '',
            'studio-project:' || ({first_project} + i % {projects}), '', '',
            now() - (i || ' seconds')::interval, now()
        FROM generate_series(0, {tasks - 1}) AS i""")
    sql(f"""
        INSERT INTO {Task._meta.db_table} (job_id, task_type, project_id, parameters,
            content_key, result, processing_time, cost, tokens_used, created_at)
        SELECT id, 'image_generation', substring(scope from 16)::bigint, '{{}}', md5(id::text),
            '{{}}', 1, 0, 0, created_at
        FROM {Job._meta.db_table} WHERE kind = 'studio_task'""")
    sql("ANALYZE")
    print(
        f"loaded in {time.monotonic() - t0:.0f} s: {users:,} users, {projects:,} projects, "
        f"{projects * scenes_per:,} scenes, {media:,} media, {tasks:,} tasks"
    )


def timed(fn, rounds: int) -> tuple[float, float]:
    times = []
    for i in range(rounds):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def raw(query: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def queries(rounds: int) -> list[tuple[str, tuple, tuple]]:
    rng = random.Random(3)
    users = list(User.objects.filter(username__startswith="bench").values_list("id", flat=True))
    owners = [User.objects.get(pk=pk) for pk in rng.sample(users, rounds)]
    episodes = list(Episode.objects.values_list("id", flat=True)[:: max(1, 100_000 // rounds)])
    projects = [
        Project.objects.get(pk=pk)
        for pk in rng.sample(list(Project.objects.values_list("id", flat=True)[:20000]), rounds)
    ]
    admin = User.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    p, e, m, t = (
        Project._meta.db_table,
        Scene._meta.db_table,
        Media._meta.db_table,
        Job._meta.db_table,
    )
    out = []

    def both(name, ours, bare):
        out.append((name, timed(ours, rounds), timed(bare, rounds)))

    both(
        "a user's projects by status",
        lambda i: list(
            selectors.projects_for(user=owners[i], status=STATUSES[i % 6], role="owner")[:20]
        ),
        lambda i: raw(
            f"SELECT * FROM {p} WHERE created_by_id = %s AND status = %s "
            "ORDER BY updated_at DESC, id DESC LIMIT 20",
            [owners[i].pk, STATUSES[i % 6]],
        ),
    )
    both(
        "an episode's scenes in order",
        lambda i: list(selectors.scenes_in_order(episode_id=episodes[i % len(episodes)])[:20]),
        lambda i: raw(
            f"SELECT * FROM {e} WHERE episode_id = %s ORDER BY scene_number LIMIT 20",
            [episodes[i % len(episodes)]],
        ),
    )
    both(
        "queued tasks by priority (admin)",
        lambda i: list(selectors.tasks_queued(user=admin)[:20]),
        lambda i: raw(
            f"SELECT * FROM {t} WHERE status = 'queued' ORDER BY priority DESC, "
            "created_at LIMIT 20",
            [],
        ),
    )
    both(
        "a project's media by type",
        lambda i: list(selectors.media_of(project=projects[i], media_type="concept_art")[:20]),
        lambda i: raw(
            f"SELECT * FROM {m} WHERE project_id = %s AND media_type = %s "
            "ORDER BY created_at DESC, id DESC LIMIT 20",
            [projects[i].pk, "concept_art"],
        ),
    )
    both(
        "project title search (admin)",
        lambda i: list(
            selectors.projects_for(user=admin, q=f"{WORDS[i % 10]} {WORDS[(i // 10) % 10]}")[:20]
        ),
        lambda i: raw(
            f"SELECT * FROM {p} WHERE to_tsvector('simple', title) @@ "
            "to_tsquery('simple', %s) ORDER BY updated_at DESC LIMIT 20",
            [f"{WORDS[i % 10]} & {WORDS[(i // 10) % 10]}:*"],
        ),
    )
    return out


def _claim_worker(args: tuple[str, int]) -> int:
    mode, _ = args
    done = 0
    if mode == "engine":  # one call runs a chain on (job_run_next); each call is a Celery message
        while engine.job_run_next(queue="studio"):
            done += 1
        return done
    table = Job._meta.db_table
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET status = 'running' WHERE id = (SELECT id FROM {table} "
                "WHERE status = 'queued' AND kind = 'bench_bare' ORDER BY priority DESC, "
                "created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
            )
            row = cursor.fetchone()
            if row is None:
                return done
            cursor.execute(f"UPDATE {table} SET status = 'done' WHERE id = %s", [row[0]])
        done += 1


def claims(count: int, chain: int, workers: int) -> tuple[float, float]:
    # The loaded queue's own queued tasks would be claimed too: park them.
    Job.objects.filter(kind="studio_task", status=JobStatus.QUEUED).update(status=JobStatus.WAITING)
    previous = None
    for i in range(count):
        deps = [previous] if previous is not None and i % chain else []
        previous = job_create(
            kind="bench_noop", payload={}, priority=1 + i % 10, depends_on=deps, enqueue=False
        )
    connections.close_all()  # the children open their own (a shared socket would break)
    t0 = time.monotonic()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_claim_worker, [("engine", 0)] * workers)
    engine_rate = count / (time.monotonic() - t0)
    assert Job.objects.filter(kind="bench_noop").exclude(status=JobStatus.DONE).count() == 0
    table = Job._meta.db_table
    sql(f"""INSERT INTO {table} (kind, status, priority, payload, state, steps_done, current_step,
            progress, attempts, max_attempts, last_error, run_token, scope, runner, error_code,
            created_at, updated_at)
        SELECT 'bench_bare', 'queued', 1 + i % 10, '{{}}', '{{}}', '[]', '', 0, 0, 5, '', '', '',
            '', '', now(), now() FROM generate_series(1, {count}) AS i""")
    connections.close_all()
    t0 = time.monotonic()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        bare = sum(pool.map(_claim_worker, [("bare", 0)] * workers))
    bare_rate = bare / (time.monotonic() - t0)
    return engine_rate, bare_rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--scenes-per-project", type=int, default=10)
    parser.add_argument("--media", type=int, default=200_000)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--claims", type=int, default=5_000)
    parser.add_argument("--chain", type=int, default=4, help="tasks per dependency chain")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="claiming processes (one per core; HEAVY_CONCURRENCY defaults to 5)",
    )
    args = parser.parse_args()
    load(args.users, args.projects, args.scenes_per_project, args.media, args.tasks)
    print(f"\n{'query':38} {'ours p50/p95 ms':>18} {'bare SQL p50/p95 ms':>22}")
    for name, ours, bare in queries(args.rounds):
        print(f"{name:38} {ours[0]:8.2f} / {ours[1]:6.2f} {bare[0]:11.2f} / {bare[1]:6.2f}")
    engine_rate, bare_rate = claims(args.claims, args.chain, args.workers)
    print(
        f"\nclaims with dependencies (chains of {args.chain}), {args.workers} processes on "
        f"{os.cpu_count()} cores: "
        f"{engine_rate:,.0f}/s; bare SQL claims: {bare_rate:,.0f}/s "
        f"(ratio {engine_rate / bare_rate:.2f})"
    )


if __name__ == "__main__":
    main()
