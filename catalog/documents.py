"""The read model (docs/design.md): builds ``Title.document`` and ``Title.card`` from the rows.

``title_document_build`` is the single definition of the frontend's JSON shape (docs/design.md).
It is pure with respect to the database state, so a test can rebuild every title and compare.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from .models import (
    Chapter,
    DownloadMirror,
    Embed,
    Episode,
    FileStatus,
    IntroVote,
    MediaFile,
    MediaType,
    Title,
)
from .text import size_human

QUALITY_ORDER = ["4320p", "2160p", "1440p", "1080p", "720p", "576p", "480p", "360p", "240p"]


def quality_rank(quality: str) -> int:
    return QUALITY_ORDER.index(quality) if quality in QUALITY_ORDER else len(QUALITY_ORDER)


def _file_queryset():
    return MediaFile.objects.prefetch_related(
        "subtitles",
        Prefetch("embeds", queryset=Embed.objects.order_by("priority", "id")),
        Prefetch("mirrors", queryset=DownloadMirror.objects.order_by("id")),
    )


def titles_for_build(ids: list[int]):
    """Titles with every relation the builder reads, in a fixed number of queries."""
    return Title.objects.filter(id__in=ids).prefetch_related(
        "genres",
        "screenshots",
        "season_packs",
        "chapters",
        "chapter_packs",
        Prefetch("files", queryset=_file_queryset().filter(episode__isnull=True)),
        Prefetch(
            "episodes",
            queryset=Episode.objects.prefetch_related(
                Prefetch("files", queryset=_file_queryset()), "intro_votes"
            ),
        ),
        Prefetch("intro_votes", queryset=IntroVote.objects.filter(episode__isnull=True)),
    )


def _file_entry(f: MediaFile) -> dict[str, Any]:
    return {
        "quality": f.quality,
        "label": f.label or f.quality,
        "size_human": size_human(f.size_bytes),
        "size_bytes": f.size_bytes,
        "file_hash": f.file_hash,
        "duration": f.duration,
        # What the player gets from the gatekeeper: this file, or a rendition browsers play.
        "playback": _playback(f),
        "subtitles": [
            {"lang": s.lang, "label": s.label, "index": s.stream_index, "kind": s.kind}
            for s in f.subtitles.all()
        ],
        "embeds": [
            {"host": e.host, "url": e.url, "priority": e.priority}
            for e in f.embeds.all()
            if e.status == "active"
        ],
        "downloads": [
            {"host": m.host, "url": m.url, "icon": m.icon, "status": m.status}
            for m in f.mirrors.all()
        ],
        "backup_url": f.backup_url or None,
    }


def _playback(f: MediaFile) -> str:
    """``original`` (the file plays as it is), ``rendition`` (a browser-playable copy is
    ready), ``preparing`` (one is being made: until then the original is given) or ``unknown``
    (not checked, or the copy could not be made)."""
    if f.playable == "direct":
        return "original"
    if f.playable_hash:
        return "rendition"
    if f.playable in ("remux", "audio", "transcode"):
        return "preparing"
    return "unknown"


def _files(files) -> list[dict[str, Any]]:
    """Servable files, best quality first. Dead or still-processing files are left out, so the
    frontend's quality selector only offers what plays."""
    live = [f for f in files if f.status == FileStatus.ACTIVE]
    live.sort(key=lambda f: (quality_rank(f.quality), -f.size_bytes, f.id))
    return [_file_entry(f) for f in live]


def intro_timings(
    votes: list[IntroVote], pinned: tuple[int | None, int | None] = (None, None)
) -> dict[str, Any] | None:
    """An editor's pinned timing, else the median of the viewers' votes, published when at
    least INTRO_MIN_VOTES votes agree with it (both ends within INTRO_AGREE_SECONDS)."""
    if pinned[0] is not None and pinned[1] is not None:
        return {"start": pinned[0], "end": pinned[1], "votes": len(votes), "pinned": True}
    if len(votes) < settings.INTRO_MIN_VOTES:
        return None
    start = statistics.median_low([v.start for v in votes])
    end = statistics.median_low([v.end for v in votes])
    tolerance = settings.INTRO_AGREE_SECONDS
    agreeing = [
        v for v in votes if abs(v.start - start) <= tolerance and abs(v.end - end) <= tolerance
    ]
    if len(agreeing) < settings.INTRO_MIN_VOTES:
        return None
    return {"start": start, "end": end, "votes": len(agreeing), "pinned": False}


def _chapter_number(ch: Chapter) -> float | int:
    n = ch.number
    return int(n) if n == n.to_integral_value() else float(n)


def title_document_build(title: Title) -> dict[str, Any]:
    """The whole frontend document of one title. Expects ``titles_for_build`` prefetches."""
    doc: dict[str, Any] = {
        "short_id": title.short_id,
        "media_type": title.media_type,
        "tmdb_id": title.tmdb_id,
        "imdb_id": title.imdb_id or None,
        "title": title.title,
        "clean_title": title.clean_title,
        "year": title.year,
        "genres": sorted(g.name for g in title.genres.all()),
        "rating": float(title.rating) if title.rating is not None else None,
        "ratings": title.ratings,
        "overview": title.overview,
        "content_rating": title.content_rating,
        "status": title.status,
        "visuals": {
            "poster": title.poster or None,
            "backdrop": title.backdrop or None,
            "screenshots": [s.ref for s in title.screenshots.all()],
        },
        "intro_timings": intro_timings(
            list(title.intro_votes.all()), (title.intro_start, title.intro_end)
        ),
        "created_at": title.created_at.isoformat().replace("+00:00", "Z"),
    }
    if title.media_type == MediaType.MOVIE:
        doc["files"] = _files(title.files.all())
    elif title.media_type == MediaType.SERIES:
        seasons: dict[str, list[dict[str, Any]]] = defaultdict(list)
        episodes = list(title.episodes.all())
        by_id = {ep.id: ep for ep in episodes}
        for ep in episodes:
            files = _files(ep.files.all())
            # In another episode's file (S01E01E02): it plays that file until it has its own.
            host = by_id.get(ep.part_of_id) if not files else None
            if host is not None:
                files = _files(host.files.all())
            entry = {
                "id": ep.id,  # comments and intro votes name an episode by it
                "episode": ep.number,
                "title": ep.name,
                "air_date": ep.air_date.isoformat() if ep.air_date else None,
                "quality": files[0]["quality"] if files else None,
                "files": files,
                "intro_timings": intro_timings(
                    list(ep.intro_votes.all()), (ep.intro_start, ep.intro_end)
                ),
            }
            if host is not None:
                entry["part_of"] = host.number
            seasons[str(ep.season)].append(entry)
        doc["series_status"] = title.series_status or None
        doc["total_seasons"] = len(seasons)
        doc["seasons"] = dict(sorted(seasons.items(), key=lambda kv: int(kv[0])))
        doc["season_packs"] = [
            {
                "season": p.season,
                "pack_hash": p.ref,  # POST /api/stream/{pack_hash}/ signs its download
                "size": size_human(p.size_bytes),
                "size_bytes": p.size_bytes,
                "episodes": p.episodes,
            }
            for p in title.season_packs.all()
        ]
    else:
        doc["read_direction"] = title.read_direction or "rtl"
        chapters = list(title.chapters.all())
        doc["chapter_count"] = len(chapters)
        doc["chapters"] = [
            {"id": ch.id, "chap": _chapter_number(ch), "title": ch.name, "pages": ch.page_count}
            for ch in chapters
        ]
        doc["chapter_packs"] = [
            {
                "chapters": p.chapters,
                "pack_hash": p.ref,
                "size": size_human(p.size_bytes),
                "size_bytes": p.size_bytes,
            }
            for p in title.chapter_packs.all()
        ]
    return doc


def _available_qualities(doc: dict[str, Any]) -> list[str]:
    found: set[str] = {f["quality"] for f in doc.get("files", [])}
    for episodes in doc.get("seasons", {}).values():
        for ep in episodes:
            found.update(f["quality"] for f in ep["files"])
    return sorted(found, key=quality_rank)


def title_card_build(doc: dict[str, Any]) -> dict[str, Any]:
    """The list card, cut from the document so the two never disagree."""
    return {
        "short_id": doc["short_id"],
        "title": doc["title"],
        "year": doc["year"],
        "media_type": doc["media_type"],
        "poster": doc["visuals"]["poster"],
        "rating": doc["rating"],
        "genres": doc["genres"],
        "content_rating": doc["content_rating"],
        "status": doc["status"],
        "qualities": _available_qualities(doc),
    }
