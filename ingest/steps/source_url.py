"""Source: a URL, leeched with resumable Range requests (``ingest.leech``); or a torrent (a
magnet link, a .torrent URL: ``ingest.torrents``) — one video in it is the source, several are
ingested each as a file of its own by the unpack step."""

from __future__ import annotations

from ingest.leech import leech_download
from ingest.torrents import is_torrent_link, torrent_download
from ingest.work import work_dir
from jobs.engine import JobContext


def _progress(ctx: JobContext):
    def progress(done: int, total: int | None) -> None:
        if total:
            ctx.progress(40 * done / total)
        else:
            ctx.check()

    return progress


def _torrent(ctx: JobContext, url: str) -> None:
    fetched = torrent_download(
        url=url, dest=work_dir(ctx.job.pk) / "torrent", on_progress=_progress(ctx)
    )
    first = fetched[0]
    ctx.state["source"] = {
        "path": str(first.path),
        "file_name": first.path.name,
        "size": first.size,
        "content_type": "",
        "origin": url,
    }
    if len(fetched) > 1:
        ctx.state["source"]["files"] = [
            {"path": str(f.path), "name": f.name, "size": f.size} for f in fetched
        ]


def run(ctx: JobContext) -> None:
    url = ctx.payload["url"]
    if is_torrent_link(url):
        _torrent(ctx, url)
        return
    dest = work_dir(ctx.job.pk) / "source.part"
    got = leech_download(
        url=url, dest=dest, on_progress=_progress(ctx), proxy=ctx.payload.get("proxy")
    )
    ctx.state["source"] = {
        "path": str(got.path),
        "file_name": got.file_name,
        "size": got.size,
        "content_type": got.content_type,
        "resumed_from": got.resumed_from,
        "origin": url,
    }
