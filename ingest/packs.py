"""Season and chapter packs (docs/design.md): a stored zip of a season's best files, or
of a manga's CBZ chapters, put in the vault beside the raw files and downloadable through the
same signed ``/s/`` URL. A pack records what it was built from (its fingerprint); the zip it
replaces is deleted from the vault once the new one is linked. Kept up to date by
``ingest.packs_auto``."""

from __future__ import annotations

import hashlib
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.db import transaction
from django.db.models import Q

from catalog import services as catalog
from catalog.models import Chapter, ChapterPack, Episode, MediaFile, SeasonPack, Title
from ingest.errors import IngestError
from ingest.work import put
from media.names import clean_filename
from media.packs import PackMember, build_stored_zip
from vault import get_backend


def _season_best(series: Title, season: int) -> list[tuple[int, MediaFile]]:
    """(episode number, its best active file) of every episode of the season that has one."""
    episodes = Episode.objects.filter(series=series, season=season).prefetch_related("files")
    best = []
    for ep in episodes.order_by("number"):
        files = [f for f in ep.files.all() if f.status == "active"]
        if files:
            best.append((ep.number, max(files, key=lambda f: (f.height or 0, f.size_bytes))))
    return best


def _digest(pairs: list[tuple[Any, str]]) -> str:
    """The fingerprint of what a pack holds: (episode or chapter number, its bytes' id) pairs
    ("" for none)."""
    if not pairs:
        return ""
    return hashlib.sha1("\n".join(f"{n}:{key}" for n, key in pairs).encode()).hexdigest()


def season_fingerprint(*, series: Title, season: int) -> str:
    """What the season's pack holds now: its episodes' best files (empty: none)."""
    best = _season_best(series, season)
    return _digest([(n, f.file_hash) for n, f in best])


def chapters_fingerprint(*, manga: Title) -> str:
    rows = Chapter.objects.filter(manga=manga).order_by("number").values_list("number", "ref")
    return _digest(list(rows))


def _forget(old: list[tuple[str, str]], *, kept: tuple[str, str]) -> None:
    """Delete the zips a new pack replaced, once it is linked (after commit)."""
    for backend, ref in old:
        if (backend, ref) != kept and ref:
            transaction.on_commit(lambda b=backend, r=ref: async_to_sync(get_backend(b).delete)(r))


def season_pack_build(*, series: Title, season: int, backend: str | None = None) -> SeasonPack:
    """Zip (stored) the best file of every episode of the season and link it as SeasonPack."""
    best = _season_best(series, season)
    if not best:
        raise IngestError(f"season {season} of {series} has no files to pack")
    members = [
        PackMember(
            clean_filename(
                title=series.title,
                quality=f.quality,
                ext=f.container or "mkv",
                season=season,
                episode=number,
            ),
            get_backend(f.backend),
            f.ref,
        )
        for number, f in best
    ]
    old = list(
        SeasonPack.objects.filter(series=series, season=season).values_list("backend", "ref")
    )
    stored = _pack(members, backend, clean_filename(title=series.title, season=season, ext="zip"))
    with transaction.atomic():
        pack = catalog.season_pack_set(
            series=series,
            season=season,
            backend=stored["backend"],
            ref=stored["ref"],
            size_bytes=stored["size"],
            episodes=[number for number, _ in best],
            fingerprint=_digest([(n, f.file_hash) for n, f in best]),
        )
        _forget(old, kept=(pack.backend, pack.ref))
    return pack


def chapter_pack_build(
    *, manga: Title, chapters: list[Decimal] | None = None, backend: str | None = None
) -> ChapterPack:
    """Zip (stored) the CBZ of the given chapters (all by default: the pack kept built, which
    replaces the previous one of all chapters) and link it."""
    qs = Chapter.objects.filter(manga=manga).order_by("number")
    if chapters is not None:
        qs = qs.filter(number__in=[Decimal(str(n)) for n in chapters])
    rows = list(qs)
    if not rows:
        raise IngestError(f"{manga} has no chapters to pack")
    members = [
        PackMember(
            clean_filename(title=f"{manga.title} - Chapter {ch.number.normalize():f}", ext="cbz"),
            get_backend(ch.backend),
            ch.ref,
        )
        for ch in rows
    ]
    whole = chapters is None
    same_span = Q(first=rows[0].number, last=rows[-1].number)
    old = ChapterPack.objects.filter(manga=manga).filter(
        (same_span | Q(fingerprint__gt="")) if whole else same_span
    )
    replaced = list(old.values_list("backend", "ref"))
    stored = _pack(members, backend, f"{manga.title} chapters.zip")
    with transaction.atomic():
        pack = catalog.chapter_pack_set(
            manga=manga,
            chapters=[ch.number for ch in rows],
            backend=stored["backend"],
            ref=stored["ref"],
            size_bytes=stored["size"],
            fingerprint=_digest([(ch.number, ch.ref) for ch in rows]) if whole else "",
        )
        _forget(replaced, kept=(pack.backend, pack.ref))
    return pack


def pack_unlink(*, pack: SeasonPack | ChapterPack) -> None:
    """Unlink a pack whose files are all gone and delete its zip."""
    with transaction.atomic():
        catalog.pack_remove(pack=pack)
        _forget([(pack.backend, pack.ref)], kept=("", ""))


def _pack(members: list[PackMember], backend: str | None, file_name: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pack-") as tmp:
        out = Path(tmp) / "pack.zip"
        async_to_sync(build_stored_zip)(members, out)
        return put(out, file_name, backend=backend)
