"""A title made by ingest stays ``processing`` for an editor to confirm, unless TMDB or OMDb
matched it or the caller vouched for it (``publish``: an operator's ``ingest_local``); then it
becomes ``available``. A title that already existed keeps its status."""

from __future__ import annotations

from catalog import services as catalog
from catalog.models import Title, TitleStatus
from jobs.engine import JobContext


def run(ctx: JobContext) -> None:
    title = Title.objects.filter(pk=ctx.state["title_id"]).first()
    if title is None:
        return
    vouched = bool(ctx.state.get("tmdb") or ctx.state.get("omdb") or ctx.payload.get("publish"))
    if vouched and title.status == TitleStatus.PROCESSING:
        catalog.title_set_status(title=title, status=TitleStatus.AVAILABLE)
    ctx.state["published"] = Title.objects.filter(
        pk=title.pk, status=TitleStatus.AVAILABLE
    ).exists()
