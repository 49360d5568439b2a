"""The live app's periodic tasks (django-celery-beat rows, ``live/migrations``): the viewer
counts of live streams, and the live channels' clean-up."""

from __future__ import annotations

from celery import shared_task

from . import cleanup, services, thumbnails, viewers
from .models import Stream, StreamStatus


@shared_task(name="live.tasks.viewers_refresh", ignore_result=True)
def viewers_refresh() -> int:
    """Every live stream's viewer figures, so counts fall when people leave (a viewer who
    stopped fetching the playlist ages out); a stream whose publisher vanished without a
    callback is ended. Returns how many streams were refreshed."""
    done = 0
    for stream_id, public_id in Stream.objects.filter(status=StreamStatus.LIVE).values_list(
        "pk", "public_id"
    ):
        if services.stale_end(stream_id=stream_id):
            continue
        current = viewers.viewers_flush(stream_id=stream_id)
        if current is not None:
            viewers.viewers_tell(public_id=public_id, count=current)
            done += 1
    return done


@shared_task(name="live.tasks.thumbnails_take", ignore_result=True)
def thumbnails_take() -> int:
    """A fresh thumbnail of every live stream (``live.thumbnails``); returns how many."""
    ids = Stream.objects.filter(status=StreamStatus.LIVE).values_list("pk", flat=True)
    return sum(thumbnails.thumbnail_take(stream_id=pk) is not None for pk in list(ids))


@shared_task(name="live.tasks.cleanup", ignore_result=True)
def cleanup_daily() -> dict[str, int]:
    return cleanup.expired_delete()
