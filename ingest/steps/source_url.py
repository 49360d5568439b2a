"""Source: a URL, leeched with resumable Range requests (``ingest.leech``)."""

from __future__ import annotations

from ingest.leech import leech_download
from ingest.work import work_dir
from jobs.engine import JobContext


def run(ctx: JobContext) -> None:
    url = ctx.payload["url"]
    dest = work_dir(ctx.job.pk) / "source.part"

    def progress(done: int, total: int | None) -> None:
        if total:
            ctx.progress(40 * done / total)
        else:
            ctx.check()

    got = leech_download(url=url, dest=dest, on_progress=progress, proxy=ctx.payload.get("proxy"))
    ctx.state["source"] = {
        "path": str(got.path),
        "file_name": got.file_name,
        "size": got.size,
        "content_type": got.content_type,
        "resumed_from": got.resumed_from,
        "origin": url,
    }
