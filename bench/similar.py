"""Similar-media search at scale: N embeddings of 384 dimensions (1,000,000 by default) in
PostgreSQL with pgvector, searched through the product's own path (``studio.vectors``: the HNSW
index ``install`` creates, the query ``nearest_hnsw`` sends). Reports the index build time,
p50/p95/p99 of 200 searches (top 10) and their recall@10 against the exact answer (numpy over
the same vectors, in the same run), with the exact search's own latency as the baseline.

The vectors are clustered as sentence embeddings are (4,000 topics; each vector about 0.75
cosine from its topic), not uniform noise, on which no index (and no real corpus) behaves.
The queries are new members of existing topics. Only the ``vec`` column is filled (the bytes
copy is what the exact path reads on a database without pgvector; it is not measured here).

Run through ``bench/run_similar.sh`` (a private PostgreSQL with pgvector)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import django
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streamvault.settings")
django.setup()

from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from studio import vectors  # noqa: E402
from studio.models import Project  # noqa: E402

MODEL = "local/all-MiniLM-L6-v2"
DIMS = 384


def clustered(rng: np.random.Generator, n: int, centers: np.ndarray) -> np.ndarray:
    out = np.empty((n, DIMS), dtype=np.float32)
    for start in range(0, n, 100_000):
        k = min(100_000, n - start)
        topic = rng.integers(len(centers), size=k)
        noise = rng.standard_normal((k, DIMS), dtype=np.float32) * (0.9 / np.sqrt(DIMS))
        block = centers[topic] + noise
        out[start : start + k] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def fill(matrix: np.ndarray) -> list[int]:
    owner = User.objects.create(username="bench-similar", email="bench@example.com")
    project = Project.objects.create(title="Bench", genre="drama", created_by=owner)
    n = len(matrix)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {vectors.TABLE}_hnsw_{DIMS}")  # built after load
        cursor.execute(
            "INSERT INTO studio_media (filename, mime_type, filesize, ref, sha256, thumbnail_ref,"
            " alt, media_type, agent_generated, provider, cost, generation_metadata, description,"
            " tags, related_elements, technical_data, version, status, created_at, updated_at,"
            " project_id) SELECT 'panel-' || g || '.png', 'image/png', 0, '', '', '', '',"
            " 'storyboard', true, 'local', 0, '{}', '', '[]', '{}', '{}', 1, 'active', now(),"
            " now(), %s FROM generate_series(1, %s) g",
            [project.pk, n],
        )
        cursor.execute(
            "SELECT id FROM studio_media WHERE project_id = %s ORDER BY id", [project.pk]
        )
        ids = [r[0] for r in cursor.fetchall()]
    fmt = "[" + ",".join(["%.6g"] * DIMS) + "]"
    raw = connection.connection
    with (
        raw.cursor() as cur,
        cur.copy(
            f"COPY {vectors.TABLE} (media_id, model, dimensions, vector, source, created_at, vec) "
            "FROM STDIN"
        ) as copy,
    ):
        for media_id, row in zip(ids, matrix, strict=True):
            copy.write_row((media_id, MODEL, DIMS, b"", "", "now", fmt % tuple(row.tolist())))
    raw.commit()
    return ids


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49]:.2f} / p95 {q[94]:.2f} / p99 {q[98]:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--topics", type=int, default=4000)
    parser.add_argument("--ef", default="40,100,200,400", help="hnsw.ef_search values")
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    centers = rng.standard_normal((args.topics, DIMS), dtype=np.float32)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    matrix = clustered(rng, args.rows, centers)
    queries = clustered(np.random.default_rng(7), args.queries, centers)

    began = time.monotonic()
    ids = fill(matrix)
    loaded = time.monotonic() - began
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '8GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
    began = time.monotonic()
    assert vectors.install(), "this PostgreSQL has no pgvector"
    built = time.monotonic() - began
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE studio_embedding")
        cursor.execute("VACUUM ANALYZE studio_media")
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size(%s))", [f"{vectors.TABLE}_hnsw_{DIMS}"]
        )
        size = cursor.fetchone()[0]

    exact_ms, truths = [], []
    for q in queries:
        t = time.perf_counter()
        scores = matrix @ q
        top = np.argpartition(-scores, 9)[:10]
        exact_ms.append((time.perf_counter() - t) * 1000)
        truths.append({ids[i] for i in top})
    for _ in range(20):  # the index's upper layers into the buffer cache
        vectors.nearest_hnsw(
            model=MODEL, dimensions=DIMS, query=queries[0], limit=10, projects=None
        )
    print(f"similar-media search, {args.rows:,} embeddings x {DIMS} dims, {args.topics} topics")
    print(f"  load (COPY): {loaded:.0f} s; HNSW build (m=16, ef_construction=64): {built:.0f} s")
    print(f"  index size: {size}")
    print(f"  exact (numpy, in memory; the baseline): {percentiles(exact_ms)}")
    base = statistics.quantiles(exact_ms, n=100)[94]
    for ef in [int(x) for x in args.ef.split(",")]:
        hnsw_ms, recalls = [], []
        for q, truth in zip(queries, truths, strict=True):
            t = time.perf_counter()
            hits = vectors.nearest_hnsw(
                model=MODEL, dimensions=DIMS, query=q, limit=10, projects=None, ef_search=ef
            )
            hnsw_ms.append((time.perf_counter() - t) * 1000)
            recalls.append(len(truth & {h.media_id for h in hits}) / 10)
        p95 = statistics.quantiles(hnsw_ms, n=100)[94]
        recall = statistics.mean(recalls)
        print(
            f"  HNSW via studio.vectors, ef_search={ef}: {percentiles(hnsw_ms)}; "
            f"p95 {p95 / base:.3f}x exact; recall@10 {recall:.3f}"
        )


if __name__ == "__main__":
    main()
