"""What ingest does when another app reports an event (signals from ``core``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from catalog.models import MediaFile
from core.signals import pack_contents_changed, rendition_missing, title_published
from ingest.mirrors import mirror_deletes_queue
from ingest.packs_auto import pack_schedule
from ingest.renditions import renditions_queue
from ingest.wishlist import wishlist_notify_queue


@receiver(title_published, dispatch_uid="ingest-wishlist-notify")
def _on_title_published(sender: Any, title_id: int, **kwargs: Any) -> None:
    """A title is in the library (by any path: an ingest, an admin, a restore): everyone who
    saved or asked for it is told once (``ingest.wishlist``)."""
    wishlist_notify_queue(title_id=title_id)


@receiver(rendition_missing, dispatch_uid="ingest-rendition-again")
def _on_rendition_missing(sender: Any, media_file_id: int, **kwargs: Any) -> None:
    """A lost rendition is made again (the player has the file itself meanwhile)."""
    renditions_queue(media_file_ids=[media_file_id])


@receiver(pack_contents_changed, dispatch_uid="ingest-pack-rebuild")
def _on_pack_contents_changed(sender: Any, title_id: int, season: int | None, **kw: Any) -> None:
    """A season's files or a manga's chapters changed: its pack is rebuilt a little later
    (``ingest.packs_auto``), when ``PACKS_AUTO`` is on."""
    if settings.PACKS_AUTO:
        pack_schedule(title_id=title_id, season=season)


@receiver(pre_delete, sender=MediaFile, dispatch_uid="ingest-mirror-copies-deleted")
def _on_media_file_deleted(sender: Any, instance: MediaFile, **kwargs: Any) -> None:
    """A file leaves the catalog (its row or its title deleted): its copies on our mirror hosts
    go too — the jobs are written in the same transaction, so a rolled-back delete queues none."""
    copies = list(instance.mirrors.values_list("host", "url"))
    if copies:
        mirror_deletes_queue(copies=copies)
