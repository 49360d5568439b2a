"""Tell the users who wished for this title (a durable job per title and file)."""

from __future__ import annotations

from ingest.wishlist import wishlist_notify_queue
from jobs.engine import JobContext


def run(ctx: JobContext) -> None:
    if not ctx.state.get("published"):
        return
    # The publication itself queued it (``core.signals.title_published``): this is the same job
    # when it is still open; a new file of a title already published is news too.
    ctx.state["wishlist_job"] = wishlist_notify_queue(title_id=ctx.state["title_id"]).id
