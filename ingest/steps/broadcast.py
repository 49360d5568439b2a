"""The release card in the public channel, once per title (``ingest.broadcast``)."""

from __future__ import annotations

from catalog.models import Title
from ingest.broadcast import broadcast_request
from jobs.engine import JobContext


def run(ctx: JobContext) -> None:
    title = Title.objects.filter(pk=ctx.state["title_id"]).first()
    if title is not None and ctx.state.get("published"):
        job = broadcast_request(title=title)
        ctx.state["broadcast_job"] = job.id if job else None
