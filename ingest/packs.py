"""Season and chapter packs (docs/design.md): a stored zip of a season's best files, or
of a manga's CBZ chapters, put in the vault beside the raw files and downloadable through the
same signed ``/s/`` URL."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync

from catalog import services as catalog
from catalog.models import Chapter, ChapterPack, Episode, SeasonPack, Title
from ingest.errors import IngestError
from ingest.work import put
from media.names import clean_filename
from media.packs import PackMember, build_stored_zip
from vault import get_backend


def season_pack_build(*, series: Title, season: int, backend: str | None = None) -> SeasonPack:
    """Zip (stored) the best file of every episode of the season and link it as SeasonPack."""
    episodes = list(Episode.objects.filter(series=series, season=season).prefetch_related("files"))
    members: list[PackMember] = []
    numbers: list[int] = []
    for ep in episodes:
        files = [f for f in ep.files.all() if f.status == "active"]
        if not files:
            continue
        best = max(files, key=lambda f: (f.height or 0, f.size_bytes))
        arcname = clean_filename(
            title=series.title,
            quality=best.quality,
            ext=best.container or "mkv",
            season=season,
            episode=ep.number,
        )
        members.append(PackMember(arcname, get_backend(best.backend), best.ref))
        numbers.append(ep.number)
    if not members:
        raise IngestError(f"season {season} of {series} has no files to pack")
    stored = _pack(members, backend, clean_filename(title=series.title, season=season, ext="zip"))
    return catalog.season_pack_set(
        series=series,
        season=season,
        backend=stored["backend"],
        ref=stored["ref"],
        size_bytes=stored["size"],
        episodes=numbers,
    )


def chapter_pack_build(
    *, manga: Title, chapters: list[Decimal] | None = None, backend: str | None = None
) -> ChapterPack:
    """Zip (stored) the CBZ of the given chapters (all by default) and link it."""
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
    stored = _pack(members, backend, f"{manga.title} chapters.zip")
    return catalog.chapter_pack_set(
        manga=manga,
        chapters=[ch.number for ch in rows],
        backend=stored["backend"],
        ref=stored["ref"],
        size_bytes=stored["size"],
    )


def _pack(members: list[PackMember], backend: str | None, file_name: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pack-") as tmp:
        out = Path(tmp) / "pack.zip"
        async_to_sync(build_stored_zip)(members, out)
        return put(out, file_name, backend=backend)
