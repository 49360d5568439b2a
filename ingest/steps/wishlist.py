"""Tell the users who wished for this title (a durable job per title and file)."""

from __future__ import annotations

from jobs.engine import JobContext, job_create
from jobs.models import JobKind


def run(ctx: JobContext) -> None:
    if not ctx.state.get("published"):
        return
    job = job_create(
        kind=JobKind.WISHLIST_NOTIFY,
        payload={"title_id": ctx.state["title_id"]},
        dedupe_key=f"wishlist:{ctx.state['title_id']}:{ctx.state['media_file_id']}",
    )
    ctx.state["wishlist_job"] = job.id
