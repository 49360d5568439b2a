"""A fast bulk loader of synthetic titles, for benchmarks (``manage.py load_bulk``).

Going through ``catalog.services`` one row at a time costs a few dozen queries per title, so
100,000 titles would take hours. This module writes the same rows the services would write
(``clean_title``, ``search_text``, a ``short_id`` registered in ``IssuedShortId``, genres, files
with subtitles, embeds and mirrors, episodes and season packs, chapters with their page index)
with ``bulk_create`` in batches, and builds each title's ``document`` and ``card`` with the
single definition of the read model (``catalog.documents``) from the objects it just created,
instead of reading them back. The suite's consistency check (rebuild every document from the
rows and compare) holds after a bulk load, and a test checks it.

Names are combined from word lists ("Crimson Harbor Chronicles", "The Lantern of the Silent
Valley"), mostly unique, so search benchmarks see realistic, varied titles.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Max

from ..models import MediaType, Title

# The services' own helpers, so bulk rows are derived exactly as single writes derive them.
from ..services.titles import genres_for_names
from .names import GENRES, NameMaker, fake_media_type
from .rows import Batch, BulkLoadResult, short_ids_issue

__all__ = ["BulkLoadResult", "titles_bulk_load"]


def titles_bulk_load(
    *,
    count: int,
    batch_size: int = 2000,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BulkLoadResult:
    """Create ``count`` synthetic titles (about 72% movies, 18% series, 10% manga) with their
    files, subtitles, links, episodes, packs and chapters, and their documents built. Each
    batch is one transaction. Returns what was created and how long it took."""
    if count < 0 or batch_size < 1:
        raise ValueError("count must be >= 0 and batch_size >= 1")
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(
            f"the bulk loader supports PostgreSQL and SQLite, not {connection.vendor}"
        )
    started = time.monotonic()
    rng = random.Random(seed)
    names = NameMaker(rng)
    genres = genres_for_names(GENRES)
    next_tmdb = {
        mt: (Title.objects.filter(media_type=mt).aggregate(m=Max("tmdb_id"))["m"] or 0) + 1
        for mt in (MediaType.MOVIE, MediaType.SERIES)
    }
    result = BulkLoadResult()
    done = 0
    while done < count:
        n = min(batch_size, count - done)
        with transaction.atomic():
            batch = Batch(rng, names, genres)
            for short_id in short_ids_issue(n):
                media_type = fake_media_type(rng)
                tmdb_id = None
                if media_type in next_tmdb:
                    tmdb_id = next_tmdb[media_type]
                    next_tmdb[media_type] += 1
                batch.add_title(short_id=short_id, media_type=media_type, tmdb_id=tmdb_id)
                result.by_type[media_type] = result.by_type.get(media_type, 0) + 1
            batch.save(result)
        done += n
        result.titles = done
        if progress is not None:
            progress(done, count)
    result.seconds = time.monotonic() - started
    return result
