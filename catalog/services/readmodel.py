"""The read model: rebuild ``Title.document``/``card`` and invalidate the cache after writes."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterable, Iterator

from django.core.cache import cache
from django.db import transaction

from core.edge_feed import edge_send
from core.signals import titles_changed

from ..documents import title_card_build, title_document_build, titles_for_build
from ..models import (
    Title,
)

log = logging.getLogger(__name__)

_deferred: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "catalog_deferred_titles", default=None
)


def title_cache_key(short_id: str) -> str:
    return f"title-doc:{short_id}"


# --- the read model -------------------------------------------------------------------------


def title_documents_rebuild(*, title_ids: Iterable[int]) -> int:
    """Rebuild and store the document and card of these titles; returns how many were stored."""
    return len(_rebuild(title_ids))


@transaction.atomic
def _rebuild(title_ids: Iterable[int]) -> dict[int, Title]:
    """Two writers of one title (a rendition and a pack finishing together) each rebuild it: the
    rows are locked as they are read (in id order), so the second build waits for the first
    writer's commit and reads its rows — a build made before another writer's change can never
    be stored after it."""
    ids = sorted(set(title_ids))
    built: dict[int, Title] = {}
    for start in range(0, len(ids), 500):
        batch = list(titles_for_build(ids[start : start + 500]).select_for_update().order_by("id"))
        for title in batch:
            title.document = title_document_build(title)
            title.card = title_card_build(title.document)
            title.genre_slugs = sorted(g.slug for g in title.genres.all())
            built[title.id] = title
        Title.objects.bulk_update(batch, ["document", "card", "genre_slugs"])
        cache_invalidate([t.short_id for t in batch])
    return built


def title_document_rebuild(*, title: Title) -> None:
    title_refresh(title)


def cache_invalidate(short_ids: list[str]) -> None:
    keys = [title_cache_key(s) for s in short_ids]
    cache.delete_many(keys)
    # Again after commit: a reader between our delete and the commit may have cached the old
    # one. Then the edge: the documents nginx serves, and whatever else other apps keep of
    # these titles there (``core.signals.titles_changed``).
    transaction.on_commit(lambda: _committed(keys, list(short_ids)))


def _committed(keys: list[str], short_ids: list[str]) -> None:
    cache.delete_many(keys)
    try:
        edge_send("docs", short_ids=short_ids)
    except OSError:  # the write itself is done; the edge catches up at the next refresh
        log.exception("edge refresh of %d titles failed", len(short_ids))
    titles_changed.send(sender=Title, short_ids=short_ids)


def title_refresh(title: Title | int) -> None:
    """Refresh one title's read model now, or at the end of ``documents_deferred``. Given the
    instance, its ``document`` and ``card`` are updated in place too."""
    title_id = title if isinstance(title, int) else title.id
    pending = _deferred.get()
    if pending is not None:
        pending.add(title_id)
        return
    fresh = _rebuild([title_id]).get(title_id)
    if fresh is not None and isinstance(title, Title):
        title.document, title.card = fresh.document, fresh.card
        title.genre_slugs = fresh.genre_slugs


@contextlib.contextmanager
def documents_deferred() -> Iterator[set[int]]:
    """Collect document refreshes and run them once per title at the end of the block."""
    outer = _deferred.get()
    if outer is not None:  # nested: the outermost block rebuilds
        yield outer
        return
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)
    title_documents_rebuild(title_ids=pending)
