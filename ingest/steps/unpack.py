"""An archive of episodes (a season pack in a .zip, .7z or .rar), from any source: each video in
it is copied out and ingested as a file of its own (``ingest_local`` jobs run here, where the
bytes are: vault, probe, WebVTT, screenshots, rendition, as usual), and the job's result is the
report of what matched which episode, what did not and why. Each episode's ingest is whole or
nothing, so a pack that breaks halfway leaves no orphan episode or vault object; run again, the
episodes already in are reported as such. An archive without videos is refused (a zip of
images is a manga chapter, taken by ``ingest_local`` before it gets here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest.local_job import ingest_local_create
from ingest.work import work_dir
from jobs.engine import JobContext, PermanentError, job_run
from jobs.models import JobStatus
from media.archives import (
    ARCHIVE_SUFFIXES,
    ArchiveError,
    Member,
    archive_extract,
    archive_members,
    image_members,
    is_archive,
    video_members,
)
from media.names import parse_release


def _episode_of(member: Member, pack_season: int | None) -> tuple[int | None, int | None]:
    """(season, episode) from the member's name; the archive's season when the name has only
    an episode number ("03.mkv" in "Show.S02.zip")."""
    release = parse_release(member.base)
    season = release.season if release.season is not None else pack_season
    if release.episode is not None and season is None:
        season = 1
    return season, release.episode


def _child(
    ctx: JobContext, path: Path, member: Member, season: int | None, episode: int | None
) -> dict:
    """Ingest one episode file in this process; its line of the report."""
    p = ctx.payload
    job = ingest_local_create(
        path=path,
        title_id=p.get("title_id"),
        season=season,
        episode=episode,
        backend=p.get("backend"),
        created_by=ctx.job.created_by,
        publish=bool(p.get("publish")),
        # The archive's title for a member named only by its number ("03.mkv").
        title_hint=p.get("title_hint")
        or ("" if parse_release(member.base).title else ctx.state["pack_title"]),
    )
    status = job_run(job_id=job.pk)
    job.refresh_from_db()
    line: dict[str, Any] = {"name": member.name, "season": season, "episode": episode}
    line["job_id"] = job.pk
    result = job.state.get("result") or {}
    if status != JobStatus.DONE:
        return {**line, "status": "failed", "reason": job.last_error[:300] or status}
    if "pack" in result:  # an archive inside a torrent: its own report, in short
        went_in = sum(1 for entry in result["pack"] if entry["status"] == "ingested")
        return {**line, "status": "ingested", "reason": f"an archive: {went_in} episode(s) in"}
    if "duplicate_of_media_file" in result:
        return {**line, "status": "already in", "title_id": result["title_id"]}
    return {**line, "status": "ingested", "title_id": result["title_id"]}


def _episodes_ingest(
    ctx: JobContext, items: list[tuple[Member, Path | None]], pack_season: int | None
) -> list[dict[str, Any]]:
    """Each video (already on disk, or still in the archive at ``src``) ingested on its own."""
    report = []
    archive = Path(ctx.state["source"]["path"])
    unpacked = work_dir(ctx.job.pk) / "unpacked"
    for member, on_disk in items:
        season, episode = _episode_of(member, pack_season)
        if episode is None and not (on_disk and member.suffix in ARCHIVE_SUFFIXES):
            reason = "no episode number in its name (S01E02, 1x02 or 02)"
            report.append({"name": member.name, "status": "skipped", "reason": reason})
            continue
        try:
            out = on_disk or archive_extract(archive, [member], unpacked)[member.name]
        except ArchiveError as exc:
            report.append({"name": member.name, "status": "failed", "reason": str(exc)})
            continue
        try:
            report.append(_child(ctx, out, member, season, episode))
        finally:
            out.unlink(missing_ok=True)
    return report


def _torrent_files(ctx: JobContext, files: list[dict[str, Any]]) -> None:
    """A torrent that brought several videos (a season): each ingested on its own."""
    top = files[0]["name"].split("/")[0] if "/" in files[0]["name"] else files[0]["name"]
    named = parse_release(top)
    ctx.state["pack_title"] = named.title
    items = [(Member(f["name"], f["size"]), Path(f["path"])) for f in files]
    report = _episodes_ingest(ctx, items, named.season)
    ctx.state["pack"] = sorted(report, key=lambda line: line["name"])


def run(ctx: JobContext) -> None:
    src = ctx.state["source"]
    if src.get("files"):
        _torrent_files(ctx, src["files"])
        return
    path = Path(src["path"])
    if not is_archive(path):
        return
    try:
        members = archive_members(path)
    except ArchiveError as exc:
        raise PermanentError(str(exc)) from exc
    videos = video_members(members)
    if not videos:
        if image_members(members):
            raise PermanentError(
                f"{src['file_name']} holds images, not videos: a manga chapter is ingested as a"
                " .cbz or a folder of images"
            )
        raise PermanentError(f"{src['file_name']} holds no video file")
    named = parse_release(src["file_name"])
    ctx.state["pack_title"] = named.title
    report: list[dict[str, Any]] = [
        {"name": m.name, "status": "skipped", "reason": "not a video (or a sample)"}
        for m in members
        if m not in videos
    ]
    report += _episodes_ingest(ctx, [(m, None) for m in videos], named.season)
    ctx.state["pack"] = sorted(report, key=lambda line: line["name"])
