"""Everything of a title that lives in the vault besides its media files: subtitle WebVTT,
browser-playable renditions, screenshots, poster and backdrop, chapter archives, season and
chapter packs — what a takedown must withdraw with the files."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from core.refs import split_tagged

from .models import (
    Chapter,
    ChapterPack,
    MediaFile,
    Screenshot,
    SeasonPack,
    SubtitleTrack,
    Title,
    TitleStatus,
)


@dataclass(frozen=True)
class StoredObject:
    kind: str  # subtitle, rendition, screenshot, poster, backdrop, chapter, season_pack, …
    backend: str
    ref: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.backend}:{self.ref}"


def _tagged(kind: str, tagged: str) -> StoredObject | None:
    found = split_tagged(tagged)
    return StoredObject(kind, *found) if found else None


def title_stored_objects(*, title: Title) -> list[StoredObject]:
    """The title's stored objects that no other (not banned) title uses: content-addressed
    bytes can be shared, and deleting them would break the other title."""
    found: list[StoredObject | None] = []
    vtts = SubtitleTrack.objects.filter(media_file__title=title).exclude(vtt_ref="")
    found += [_tagged("subtitle", ref) for ref in vtts.values_list("vtt_ref", flat=True)]
    plays = MediaFile.objects.filter(title=title).exclude(playable_ref="")
    found += [_tagged("rendition", ref) for ref in plays.values_list("playable_ref", flat=True)]
    shots = Screenshot.objects.filter(title=title).values_list("backend", "ref")
    found += [StoredObject("screenshot", b, r) for b, r in shots]
    found += [_tagged("poster", title.poster), _tagged("backdrop", title.backdrop)]
    for kind, model, field in (
        ("chapter", Chapter, "manga"),
        ("season_pack", SeasonPack, "series"),
        ("chapter_pack", ChapterPack, "manga"),
    ):
        rows = model.objects.filter(**{field: title}).values_list("backend", "ref")
        found += [StoredObject(kind, b, r) for b, r in rows if r]
    unique = list({o.key: o for o in found if o is not None}.values())
    return [o for o in unique if not _used_elsewhere(o, title)]


def _used_elsewhere(obj: StoredObject, title: Title) -> bool:
    live = ~Q(title__status=TitleStatus.BANNED)
    tagged = f"{obj.backend}:{obj.ref}"
    refs = {obj.ref, tagged}
    checks = [
        SubtitleTrack.objects.filter(vtt_ref__in=refs)
        .exclude(media_file__title=title)
        .filter(~Q(media_file__title__status=TitleStatus.BANNED)),
        MediaFile.objects.filter(playable_ref__in=refs)
        .exclude(title=title)
        .exclude(title__status=TitleStatus.BANNED),
        Screenshot.objects.filter(backend=obj.backend, ref=obj.ref)
        .exclude(title=title)
        .filter(live),
        Title.objects.filter(Q(poster__in=refs) | Q(backdrop__in=refs))
        .exclude(pk=title.pk)
        .exclude(status=TitleStatus.BANNED),
        Chapter.objects.filter(backend=obj.backend, ref=obj.ref)
        .exclude(manga=title)
        .exclude(manga__status=TitleStatus.BANNED),
    ]
    return any(qs.exists() for qs in checks)
