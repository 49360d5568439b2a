"""The one way a probed file joins the catalog: which title (one lookup rule), its label (one
rule), and the media file with its subtitle tracks and screenshots (one attach), all through
``catalog.services``. Every ingest source and re-leech uses these."""

from __future__ import annotations

from typing import Any

from catalog import services as catalog
from catalog.models import Episode, MediaFile, MediaType, Title, TitleStatus
from catalog.text import clean_title
from ingest.errors import IngestError
from ingest.metadata import omdb_fill
from ingest.renditions import rendition_create
from ingest.work import probe_result
from jobs.engine import JobContext, PermanentError
from media.probe import ProbeResult


def title_find(*, media_type: str, name: str, year: int | None) -> Title | None:
    """The existing title a parsed name belongs to: the same clean title and year; with a year,
    a title with no year is the next best; without one, the oldest of that name."""
    candidates = Title.objects.filter(media_type=media_type, clean_title=clean_title(name))
    if year:
        exact = candidates.filter(year=year).order_by("id").first()
        if exact is not None:
            return exact
        candidates = candidates.filter(year__isnull=True)
    return candidates.order_by("id").first()


def title_for_release(*, media_type: str, name: str, year: int | None) -> tuple[Title, bool]:
    """``title_find``, else a new title in ``processing`` (the publish step decides when it
    becomes available). Returns (title, created)."""
    if not name:
        raise IngestError("could not read a title from the file name; give a title")
    found = title_find(media_type=media_type, name=name, year=year)
    if found is not None:
        return found, False
    created = catalog.title_create(
        media_type=media_type, title=name, year=year, status=TitleStatus.PROCESSING
    )
    return created, True


def title_for_tmdb(*, media_type: str, tmdb: dict[str, Any]) -> tuple[Title, bool]:
    """The title of that TMDB id (unique per media type), else a new one from TMDB's data."""
    found = Title.objects.filter(media_type=media_type, tmdb_id=tmdb["tmdb_id"]).first()
    if found is not None:
        return found, False
    created = catalog.title_create(
        media_type=media_type,
        title=tmdb["title"],
        year=tmdb["year"],
        tmdb_id=tmdb["tmdb_id"],
        genres=tmdb["genres"],
        rating=round(tmdb["rating"], 1) if tmdb.get("rating") is not None else None,
        overview=tmdb["overview"],
        series_status=tmdb["series_status"] if media_type == MediaType.SERIES else "",
        status=TitleStatus.PROCESSING,
    )
    return created, True


def title_for_omdb(*, media_type: str, omdb: dict[str, Any]) -> tuple[Title, bool]:
    """The title of that IMDb id, else the one of OMDb's name and year (``title_find``), else
    a new one from OMDb's data (what OMDb adds on top: ``ingest.metadata.omdb_fill``)."""
    found = Title.objects.filter(media_type=media_type, imdb_id=omdb["imdb_id"]).first()
    if found is None:
        found = title_find(media_type=media_type, name=omdb["title"], year=omdb["year"])
    if found is not None:
        return found, False
    created = catalog.title_create(
        media_type=media_type,
        title=omdb["title"],
        year=omdb["year"],
        status=TitleStatus.PROCESSING,
    )
    return created, True


def file_label(result: ProbeResult, quality: str) -> str:
    """ "1080p HDR HEVC": the quality, then HDR, then a codec browsers may not play."""
    parts = [quality]
    if result.hdr:
        parts.append("HDR")
    if result.video_codec in {"hevc", "av1"}:
        parts.append(result.video_codec.upper())
    return " ".join(p for p in parts if p)


def tracks_and_screenshots_attach(
    *,
    media_file: MediaFile,
    result: ProbeResult,
    vtt_refs: dict[str, str],
    shots: dict[str, dict[str, str]],
) -> None:
    """The subtitle tracks (``vtt_refs``: stream index → tagged ref of the stored WebVTT) and
    screenshots (position → stored ``{"backend", "ref"}``) of a probed file."""
    catalog.subtitle_tracks_set(
        media_file=media_file,
        tracks=[
            {
                "stream_index": t.stream_index,
                "lang": t.lang,
                "label": t.label,
                "codec": t.codec,
                "kind": t.kind,
                "vtt_ref": vtt_refs.get(str(t.stream_index), ""),
            }
            for t in result.subtitles
        ],
    )
    for pos, shot in sorted(shots.items(), key=lambda kv: int(kv[0])):
        catalog.screenshot_add(
            title=media_file.title,
            media_file=media_file,
            ref=shot["ref"],
            position=int(pos),
            backend=shot["backend"],
        )


def media_attach(
    *,
    title: Title,
    episode: Episode | None,
    quality: str,
    result: ProbeResult,
    sha256: str,
    stored: dict[str, Any],
    vtt_refs: dict[str, str],
    shots: dict[str, dict[str, str]],
    mirrors: list[dict[str, Any]],
) -> MediaFile:
    """A new media file (the quality bucket of a movie or an episode) with everything the probe
    and the media step found. Call inside a transaction."""
    media_file = catalog.media_file_add(
        title=title,
        episode=episode,
        quality=quality,
        label=file_label(result, quality),
        file_hash=sha256,
        size_bytes=stored["size"],
        backend=stored["backend"],
        ref=stored["ref"],
        tg_raw=stored.get("tg_raw") or {},
        backup_url=mirrors[0]["url"] if mirrors else "",
        **result.media_fields(),
    )
    tracks_and_screenshots_attach(
        media_file=media_file, result=result, vtt_refs=vtt_refs, shots=shots
    )
    if mirrors:
        catalog.mirrors_set(media_file=media_file, mirrors=mirrors)
    return media_file


# --- the attach step ------------------------------------------------------------------------


def _attach_title(ctx: JobContext) -> tuple[Title, bool]:
    rel = ctx.state["release"]
    if ctx.payload.get("title_id"):
        title = Title.objects.filter(pk=ctx.payload["title_id"]).first()
        if title is None:
            raise PermanentError("the title to attach to was deleted")
        return title, False
    if ctx.state.get("tmdb"):
        title, created = title_for_tmdb(media_type=rel["media_type"], tmdb=ctx.state["tmdb"])
    elif ctx.state.get("omdb"):
        title, created = title_for_omdb(media_type=rel["media_type"], omdb=ctx.state["omdb"])
    else:
        return title_for_release(media_type=rel["media_type"], name=rel["title"], year=rel["year"])
    if ctx.state.get("omdb"):
        extra = omdb_fill(title=title, omdb=ctx.state["omdb"])
        if extra:
            catalog.title_update(title=title, data=extra)
    return title, created


def attach_step(ctx: JobContext) -> None:
    """The ``attach`` step, one transaction with its record: the title (the one a caller named,
    the TMDB match, the OMDb match, or the release name's; OMDb's fields merged in), the
    episode, and the media file with its tracks, screenshots and mirrors; the rendition job when
    browsers cannot play the file as it is.
    ``file_hash`` is unique, so two jobs racing on the same bytes attach one file."""
    rel = ctx.state["release"]
    title, created = _attach_title(ctx)
    episode = None
    if title.media_type == MediaType.SERIES:
        episode = catalog.episode_add(series=title, season=rel["season"], number=rel["episode"])
        if len(rel.get("episodes") or []) > 1:
            catalog.episodes_part_of_set(first=episode, numbers=rel["episodes"])
    media_file = media_attach(
        title=title,
        episode=episode,
        quality=rel["quality"],
        result=probe_result(ctx.state["probe"]),
        sha256=ctx.state["sha256"],
        stored=ctx.state["stored"],
        vtt_refs=ctx.state.get("vtt_refs", {}),
        shots=ctx.state.get("shot_refs", {}),
        mirrors=ctx.state.get("mirrors") or [],
    )
    # A browser-playable copy when the file is not one (made on the heavy queue).
    rendition_create(media_file_id=media_file.id)
    ctx.state["title_id"] = title.id
    ctx.state["title_created"] = created
    ctx.state["media_file_id"] = media_file.id
