from __future__ import annotations

from celery import shared_task

from . import plays, services


@shared_task(name="catalog.documents_rebuild")
def documents_rebuild(title_ids: list[int]) -> int:
    """Rebuild the read model of these titles (ids that are gone are skipped). Idempotent."""
    return services.title_documents_rebuild(title_ids=title_ids)


@shared_task(name="catalog.plays_flush", ignore_result=True)
def plays_flush() -> int:
    """Add the plays gathered in Redis to ``Title.views`` (``catalog.plays``)."""
    return plays.plays_flush()
