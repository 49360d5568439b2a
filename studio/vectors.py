"""Where media vectors are kept and searched. Every ``Embedding`` row holds its vector as
float32 bytes, so any database can answer a search exactly with numpy. On PostgreSQL with the
``vector`` extension (pgvector) a ``vec`` column holds the same vector and an HNSW index per
dimension count (cosine distance) answers it instead, in milliseconds at millions of rows.

The column and its indexes are not Django fields: a model cannot have a column that exists
only where an extension is installed. ``install`` adds them (the migration calls it, and
``manage.py studio_vectors`` after the extension is installed later) and fills ``vec`` from
the bytes; ``pgvector_ready`` tells which path a connection takes."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

TABLE = "studio_embedding"
# The dimension counts with an HNSW index: MiniLM's 384 and Jina's usual sizes.
INDEXED = (384, 512, 1024)


def pack(vector: np.ndarray) -> bytes:
    """L2-normalised float32 bytes (cosine similarity is then a dot product)."""
    v = np.asarray(vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(v))
    return (v / norm if norm > 0 else v).astype(np.float32).tobytes()


def unpack(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype=np.float32)


def literal(vector: np.ndarray) -> str:
    """pgvector's text form: ``[0.1,0.2,...]``."""
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32)) + "]"


def pgvector_ready(using=None) -> bool:
    """True when this connection's database has the ``vec`` column (checked once per
    connection)."""
    conn = using or connection
    if conn.vendor != "postgresql":
        return False
    known = getattr(conn, "_studio_pgvector", None)
    if known is None:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = 'vec'",
                [TABLE],
            )
            known = cursor.fetchone() is not None
        conn._studio_pgvector = known
    return known


def install(conn=None) -> bool:
    """Add the ``vec`` column and the HNSW indexes where the extension can be created; fill
    the column from the stored vectors. Idempotent. False (and the numpy path) where the
    database is not PostgreSQL, pgvector is not installed, or we may not create it."""
    conn = conn or connection
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        if cursor.fetchone() is None:
            return False
        try:
            with transaction.atomic(using=conn.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except DatabaseError as exc:
            log.warning("pgvector is available but could not be created (%s): exact search", exc)
            return False
        cursor.execute(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS vec vector")
        for dims in INDEXED:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {TABLE}_hnsw_{dims} ON {TABLE} "
                f"USING hnsw ((vec::vector({dims})) vector_cosine_ops) WHERE dimensions = {dims}"
            )
        cursor.execute(f"SELECT id, vector FROM {TABLE} WHERE vec IS NULL")
        missing = cursor.fetchall()
        for pk, blob in missing:
            cursor.execute(
                f"UPDATE {TABLE} SET vec = %s::vector WHERE id = %s", [literal(unpack(blob)), pk]
            )
    conn._studio_pgvector = True
    return True


def store(pk: int, vector: np.ndarray) -> None:
    """Copy a saved row's vector into ``vec`` where pgvector is in use."""
    if pgvector_ready():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET vec = %s::vector WHERE id = %s", [literal(vector), pk]
            )


@dataclass(frozen=True)
class Hit:
    media_id: int
    score: float  # cosine similarity, 1 = the same direction


def nearest_exact(rows: Iterable[tuple[int, bytes]], query: np.ndarray, *, limit: int) -> list[Hit]:
    """The exact answer: every candidate's dot product with the (normalised) query."""
    ids, blobs = [], []
    for media_id, blob in rows:
        ids.append(media_id)
        blobs.append(bytes(blob))
    if not ids:
        return []
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
    scores = matrix @ unpack(pack(query))
    k = min(limit, len(ids))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [Hit(media_id=ids[i], score=float(scores[i])) for i in top]


def nearest_hnsw(
    *,
    model: str,
    dimensions: int,
    query: np.ndarray,
    limit: int,
    projects: list[int] | None,
    exclude: int | None = None,
    ef_search: int = 400,
) -> list[Hit]:
    """The HNSW index's answer (approximate), filtered to active media of ``projects`` (None:
    every project) with pgvector's iterative scan, so a filter does not starve the result."""
    dims = int(dimensions)
    # The dimension count inline: the planner matches it to the partial index's predicate.
    where = [f"e.dimensions = {dims}", "e.model = %s", "m.status = 'active'"]
    args: list = [model]
    if projects is not None:
        where.append("m.project_id = ANY(%s)")
        args.append(projects)
    if exclude is not None:
        where.append("e.media_id <> %s")
        args.append(exclude)
    vec = literal(unpack(pack(query)))
    sql = (
        f"SELECT e.media_id, e.vec::vector({dims}) <=> %s::vector({dims}) AS distance "
        f"FROM {TABLE} e JOIN studio_media m ON m.id = e.media_id "
        f"WHERE {' AND '.join(where)} ORDER BY distance LIMIT %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %s, true), "
            "set_config('hnsw.iterative_scan', 'strict_order', true)",
            [str(max(ef_search, limit))],
        )
        cursor.execute(sql, [vec, *args, limit])
        rows = cursor.fetchall()
    return [Hit(media_id=pk, score=1.0 - float(distance)) for pk, distance in rows]
