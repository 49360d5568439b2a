"""The release name (or the title a caller named): title, year, season, episode, quality."""

from __future__ import annotations

from catalog.models import MediaType, Title
from jobs.engine import JobContext, PermanentError
from media.names import parse_release


def run(ctx: JobContext) -> None:
    src, p = ctx.state["source"], ctx.payload
    release = parse_release(src["file_name"])
    episode = p.get("episode") if p.get("episode") is not None else release.episode
    # A file that holds several episodes (S01E01E02): the first gets the file, the others
    # play it (unless the caller named one episode).
    episodes = list(release.episodes) if p.get("episode") is None else []
    season = p.get("season") if p.get("season") is not None else release.season
    quality = p.get("quality") or ctx.state.get("quality") or release.quality or "SD"
    if p.get("title_id"):
        title = Title.objects.filter(pk=p["title_id"]).first()
        if title is None:
            raise PermanentError("the title to attach to was deleted")
        if title.media_type == MediaType.MANGA:
            raise PermanentError(f"{title} is a manga: ingest a .cbz or a folder of images")
        if title.media_type == MediaType.SERIES and (season is None or episode is None):
            raise PermanentError("a series file needs --season and --episode")
        ctx.state["release"] = {
            "title": title.title,
            "year": title.year,
            "season": season if title.media_type == MediaType.SERIES else None,
            "episode": episode if title.media_type == MediaType.SERIES else None,
            "episodes": episodes if title.media_type == MediaType.SERIES else [],
            "quality": quality,
            "media_type": title.media_type,
        }
        return
    hint = (p.get("title_hint") or "").strip()
    hinted = parse_release(hint) if hint else None
    name = (hinted.title if hinted and hinted.title else "") or release.title
    if not name:
        raise PermanentError(f"could not read a title from {src['file_name']!r}; give a hint")
    if episode is not None and season is None:
        season = 1
    ctx.state["release"] = {
        "title": name,
        "year": (hinted.year if hinted and hinted.year else None) or release.year,
        "season": season,
        "episode": episode,
        "episodes": episodes if episode is not None else [],
        "quality": quality,
        "media_type": MediaType.SERIES if episode is not None else MediaType.MOVIE,
    }
