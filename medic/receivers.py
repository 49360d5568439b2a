"""What the medic does when another app reports a problem (signals from ``core``)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from catalog.models import Chapter, MediaFile, SubtitleTrack, TitleStatus
from core.signals import vault_object_missing
from medic.services.repair import repair_open


@receiver(vault_object_missing, dispatch_uid="medic-repair-missing-bytes")
def _on_object_missing(
    sender: Any,
    file_hash: str = "",
    chapter_id: int | None = None,
    subtitle_track_id: int | None = None,
    **kwargs: Any,
) -> None:
    """A file whose bytes are gone from the vault: a repair that looks for new bytes (backup
    URL, mirrors, the source it was ingested from, its channel message). A chapter whose
    archive is gone: a repair of the chapter. A subtitle track whose WebVTT is gone: a repair
    that re-extracts it from the file."""
    if subtitle_track_id is not None:
        track = (
            SubtitleTrack.objects.select_related("media_file__title")
            .filter(pk=subtitle_track_id)
            .exclude(media_file__title__status=TitleStatus.BANNED)
            .first()
        )
        if track is not None:
            repair_open(
                title=track.media_file.title,
                media_file=track.media_file,
                reason=f"the WebVTT of subtitle track {track.stream_index} is missing",
                needs_subtitles=True,
            )
        return
    if chapter_id is not None:
        chapter = (
            Chapter.objects.select_related("manga")
            .filter(pk=chapter_id)
            .exclude(manga__status=TitleStatus.BANNED)
            .first()
        )
        if chapter is not None:
            repair_open(
                title=chapter.manga, chapter=chapter, reason="the chapter's archive is missing"
            )
        return
    media_file = (
        MediaFile.objects.select_related("title")
        .filter(file_hash=file_hash)
        .exclude(title__status=TitleStatus.BANNED)
        .first()
    )
    if media_file is None:
        return  # a pack, or a taken-down title: nothing to repair
    repair_open(
        title=media_file.title,
        media_file=media_file,
        reason="the file's bytes are missing from the vault",
        needs_new_bytes=True,
    )
