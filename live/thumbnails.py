"""Live thumbnails: every ``LIVE_THUMBNAIL_SECONDS`` a frame of each live stream's newest HLS
segment (ffmpeg, 640 px wide JPEG) goes into the vault and becomes the stream's
``thumbnail``, shown on the directory's and channels' cards. The picture it replaces is
deleted unless a title uses it: the recording's title takes the last one as its poster."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from asgiref.sync import async_to_sync
from django.conf import settings

from catalog.models import Title
from core.refs import split_tagged
from ingest.work import put
from media.screenshots import ScreenshotError, take_screenshots
from vault import VaultError, get_backend

from .models import Stream, StreamStatus

log = logging.getLogger(__name__)
WIDTH = 640


def newest_segment(public_id: str) -> Path | None:
    """The last segment the stream's playlist lists (None before nginx wrote one)."""
    root = Path(settings.LIVE_HLS_DIR)
    try:
        playlist = (root / f"{public_id}.m3u8").read_text()
    except OSError:
        return None
    names = [line.strip() for line in playlist.splitlines() if line and not line.startswith("#")]
    if not names or "/" in names[-1]:
        return None
    segment = root / names[-1]
    return segment if segment.is_file() else None


def _forget(ref: str) -> None:
    """Delete a replaced thumbnail from the vault, unless a title took it as its poster."""
    source = split_tagged(ref)
    if source is None or Title.objects.filter(poster=ref).exists():
        return
    try:
        async_to_sync(get_backend(source[0]).delete)(source[1])
    except VaultError as exc:  # a leftover picture, not worth failing for
        log.warning("old thumbnail %s not deleted: %s", ref, exc)


def thumbnail_take(*, stream_id: int) -> str | None:
    """A fresh thumbnail for a live stream; returns its ref, or None when there was nothing to
    take it from (not live, no segment yet, a frame ffmpeg could not decode)."""
    stream = Stream.objects.filter(pk=stream_id, status=StreamStatus.LIVE).first()
    if stream is None or not settings.LIVE_HLS_DIR:
        return None
    segment = newest_segment(stream.public_id)
    if segment is None:
        return None
    with tempfile.TemporaryDirectory() as work:
        try:
            shot = take_screenshots(
                segment, duration=0.0, positions=[0], out_dir=work, max_width=WIDTH
            )[0]
        except (ScreenshotError, OSError) as exc:
            log.warning("stream %s: no thumbnail: %s", stream.pk, exc)
            return None
        ref = put(shot, f"live-{stream.public_id}.jpg")["tagged"]
    old = stream.thumbnail
    Stream.objects.filter(pk=stream.pk).update(thumbnail=ref)
    if old and old != ref:
        _forget(old)
    return ref
