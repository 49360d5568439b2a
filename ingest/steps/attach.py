"""One transaction (with the step record): the title (the one a caller named, the TMDB match,
or the release name's), the episode, and the media file with its tracks, screenshots and
mirrors; the rendition job when browsers cannot play the file as it is. ``file_hash`` is
unique, so two jobs racing on the same bytes attach one file."""

from __future__ import annotations

from catalog import services as catalog
from catalog.models import MediaType, Title
from ingest.attach import media_attach, title_for_release, title_for_tmdb
from ingest.renditions import rendition_create
from ingest.work import probe_result
from jobs.engine import JobContext, PermanentError


def _title(ctx: JobContext) -> tuple[Title, bool]:
    rel = ctx.state["release"]
    if ctx.payload.get("title_id"):
        title = Title.objects.filter(pk=ctx.payload["title_id"]).first()
        if title is None:
            raise PermanentError("the title to attach to was deleted")
        return title, False
    if ctx.state.get("tmdb"):
        return title_for_tmdb(media_type=rel["media_type"], tmdb=ctx.state["tmdb"])
    return title_for_release(media_type=rel["media_type"], name=rel["title"], year=rel["year"])


def run(ctx: JobContext) -> None:
    rel = ctx.state["release"]
    with catalog.documents_deferred():
        title, created = _title(ctx)
        episode = None
        if title.media_type == MediaType.SERIES:
            episode = catalog.episode_add(series=title, season=rel["season"], number=rel["episode"])
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
