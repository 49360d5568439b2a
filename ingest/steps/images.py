"""TMDB's poster and backdrop, downloaded once into the vault (an editor's image is kept);
OMDb's poster when TMDB gave none."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from catalog import services as catalog
from catalog.models import Title
from ingest.metadata import omdb_poster_put
from ingest.tmdb import tmdb_image_download
from ingest.work import put, work_dir
from jobs.engine import JobContext, PermanentError


def run(ctx: JobContext) -> None:
    tmdb = ctx.state.get("tmdb") or {}
    omdb = ctx.state.get("omdb")
    title = Title.objects.filter(pk=ctx.state["title_id"]).first()
    if not (tmdb or omdb) or title is None:
        return
    updates: dict[str, str] = {}
    for field_name, path_key, size in (
        ("poster", "poster_path", settings.TMDB_POSTER_SIZE),
        ("backdrop", "backdrop_path", settings.TMDB_BACKDROP_SIZE),
    ):
        if getattr(title, field_name) or not tmdb.get(path_key):
            continue
        dest = work_dir(ctx.job.pk) / f"{field_name}{Path(tmdb[path_key]).suffix or '.jpg'}"
        try:
            tmdb_image_download(file_path=tmdb[path_key], size=size, dest=dest)
        except PermanentError as exc:
            ctx.state.setdefault("image_errors", []).append(str(exc))
            continue
        name = f"tmdb-{tmdb['tmdb_id']}-{field_name}{dest.suffix}"
        updates[field_name] = put(dest, name, backend=ctx.payload.get("backend"))["tagged"]
    if omdb and not title.poster and "poster" not in updates:
        try:
            ref = omdb_poster_put(
                omdb=omdb, work=work_dir(ctx.job.pk), backend=ctx.payload.get("backend")
            )
        except PermanentError as exc:
            ctx.state.setdefault("image_errors", []).append(str(exc))
            ref = ""
        if ref:
            updates["poster"] = ref
    if updates:
        catalog.title_update(title=title, data=updates)
