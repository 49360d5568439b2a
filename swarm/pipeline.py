"""The ingestion pipeline (DESIGN §7): one resumable Job, each step idempotent and recorded.

    source ─▶ hash (blocked? duplicate?) ─▶ probe ─▶ parse ─▶ media (subtitles, screenshots)
      ─▶ vault ─▶ mirrors ─▶ tmdb ─▶ attach ─▶ images ─▶ publish ─▶ broadcast ─▶ wishlist ─▶ cleanup

- ``source``: a URL leech (``swarm.leech``, resumable with Range) or a forwarded Telegram
  message (downloaded once through a leased account: the bytes are needed for the SHA-256
  blocked-hash check, ffprobe, subtitles and screenshots; the video itself is *not* re-uploaded,
  the MediaFile points at the message — ``tg_raw``).
- The probe runs before anything is stored, so a non-video is rejected with ffprobe's reason and
  leaves nothing behind.
- ``vault``: puts are content-addressed (the same bytes give the same ref), so redoing the step
  after a crash stores nothing twice.
- ``attach`` is one transaction that also records the step: either the Title/MediaFile/tracks/
  screenshots exist and the step is recorded, or neither. ``file_hash`` is unique, so even two
  jobs racing on the same bytes attach one MediaFile.
- Without TMDB (no key, no match) the title is created ``processing`` from the parsed name for
  an editor to confirm; it is published (``available``) — and broadcast — only with a match.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog import services as catalog
from catalog.models import MediaFile, MediaType, Title, TitleStatus
from catalog.text import clean_title

from .jobs import JobContext, PermanentError, TransientError, job_create
from .media.ingest import BlockedFileError, blocked_hash_check, file_sha256
from .media.names import clean_filename, parse_release
from .media.probe import ProbeError, ProbeResult, SubtitleStream, probe
from .media.screenshots import ScreenshotError, take_screenshots
from .media.subtitles import SubtitleError, extract_vtt
from .models import JobKind, WorkerRole
from .vault import get_backend

log = logging.getLogger(__name__)


def work_dir(job_id: int) -> Path:
    return Path(settings.SWARM_WORK_DIR) / f"job-{job_id}"


def vault_backend_name() -> str:
    return getattr(settings, "SWARM_VAULT_BACKEND", "local")


def _put(path: Path, file_name: str) -> dict[str, Any]:
    stored = async_to_sync(get_backend(vault_backend_name()).put)(path, file_name=file_name)
    return {
        "backend": stored.backend,
        "ref": stored.ref,
        "size": stored.size,
        "sha256": stored.sha256,
        "tg_raw": stored.tg_raw or {},
    }


def _probe_result(data: dict[str, Any]) -> ProbeResult:
    subs = [SubtitleStream(**s) for s in data.get("subtitles", [])]
    return ProbeResult(**{**data, "subtitles": subs})


# --- steps --------------------------------------------------------------------------------------


def _source_url(ctx: JobContext) -> None:
    from .leech import leech_download

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


def _source_forward(ctx: JobContext) -> None:
    from .telegram.runtime import telegram_call

    p = ctx.payload
    if p.get("size") and p["size"] > settings.FORWARD_MAX_BYTES:
        raise PermanentError(f"file of {p['size']} bytes is over FORWARD_MAX_BYTES")
    chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
    if p.get("copy_to_storage") and "copied" not in ctx.state:
        from .models import Channel

        storage = Channel.objects.filter(kind=Channel.Kind.STORAGE, is_active=True).first()
        if storage is not None:
            new_id = telegram_call(
                role=WorkerRole.INGEST,
                task=f"job {ctx.job.pk}: copy to storage",
                op=lambda gw, wid: gw.copy_message(wid, chat_id, message_id, storage.chat_id),
                on_worker=ctx.set_worker,
            )
            ctx.state["copied"] = {"chat_id": storage.chat_id, "message_id": new_id}
            ctx.save_state()
    if "copied" in ctx.state:
        chat_id, message_id = ctx.state["copied"]["chat_id"], ctx.state["copied"]["message_id"]
    dest = work_dir(ctx.job.pk) / "source.part"
    info = telegram_call(
        role=WorkerRole.INGEST,
        task=f"job {ctx.job.pk}: download {chat_id}/{message_id}",
        op=lambda gw, wid: gw.download(wid, chat_id, message_id, dest),
        on_worker=ctx.set_worker,
    )
    ctx.state["source"] = {
        "path": str(dest),
        "file_name": p.get("file_name") or info["file_name"],
        "size": dest.stat().st_size,
        "content_type": info.get("mime_type", ""),
        "origin": f"tg:{chat_id}/{message_id}",
        "tg_raw": info["tg_raw"],
        "tg_ref": f"{chat_id}:{message_id}",
    }


def _hash(ctx: JobContext) -> None:
    src = ctx.state["source"]
    sha256 = file_sha256(src["path"])
    try:
        blocked_hash_check(sha256=sha256, source=src["origin"], size_bytes=src["size"])
    except BlockedFileError as exc:
        Path(src["path"]).unlink(missing_ok=True)
        raise PermanentError(str(exc)) from exc
    ctx.state["sha256"] = sha256
    existing = MediaFile.objects.filter(file_hash=sha256).values("id", "title_id").first()
    if existing is not None:
        ctx.state["duplicate_of"] = existing


def _probe(ctx: JobContext) -> None:
    try:
        result = probe(ctx.state["source"]["path"])
    except ProbeError as exc:
        raise PermanentError(f"not a playable video: {exc}") from exc
    if not result.video_codec:
        raise PermanentError("not a video: ffprobe found no video stream")
    ctx.state["probe"] = asdict(result)
    ctx.state["quality"] = result.quality


def _parse(ctx: JobContext) -> None:
    src = ctx.state["source"]
    release = parse_release(src["file_name"])
    hint = (ctx.payload.get("title_hint") or "").strip()
    hinted = parse_release(hint) if hint else None
    name = (hinted.title if hinted and hinted.title else "") or release.title
    if not name:
        raise PermanentError(f"could not read a title from {src['file_name']!r}; give a hint")
    episode = release.episode if release.episode is not None else ctx.payload.get("episode")
    season = release.season if release.season is not None else ctx.payload.get("season")
    if episode is not None and season is None:
        season = 1
    ctx.state["release"] = {
        "title": name,
        "year": (hinted.year if hinted and hinted.year else None) or release.year,
        "season": season,
        "episode": episode,
        "quality": ctx.state.get("quality") or release.quality or "SD",
        "media_type": MediaType.SERIES if episode is not None else MediaType.MOVIE,
    }


def _media(ctx: JobContext) -> None:
    src = Path(ctx.state["source"]["path"])
    result = _probe_result(ctx.state["probe"])
    out = work_dir(ctx.job.pk)
    try:
        vtts = extract_vtt(src, result.subtitles, out / "subs")
        shots = (
            take_screenshots(
                src,
                duration=result.duration,
                positions=list(settings.VAULT_SCREENSHOT_POSITIONS),
                out_dir=out / "shots",
            )
            if result.duration
            else {}
        )
    except (SubtitleError, ScreenshotError) as exc:
        raise PermanentError(f"media processing failed: {exc}") from exc
    ctx.state["vtts"] = {str(k): str(v) for k, v in vtts.items()}
    ctx.state["shots"] = {str(k): str(v) for k, v in shots.items()}


def _vault(ctx: JobContext) -> None:
    src = ctx.state["source"]
    sha = ctx.state["sha256"]
    rel = ctx.state["release"]
    if src.get("tg_ref"):
        # Forward-to-index: the message is the stored copy; nothing is re-uploaded.
        ctx.state["stored"] = {
            "backend": "telegram",
            "ref": src["tg_ref"],
            "size": src["size"],
            "sha256": sha,
            "tg_raw": src.get("tg_raw") or {},
        }
    else:
        name = clean_filename(
            title=rel["title"],
            year=rel["year"],
            quality=rel["quality"],
            ext=ctx.state["probe"].get("container") or "mkv",
            season=rel["season"] if rel["episode"] is not None else None,
            episode=rel["episode"],
        )
        stored = _put(Path(src["path"]), name)
        if stored["sha256"] != sha:
            raise TransientError("the downloaded file changed while it was being stored")
        ctx.state["stored"] = stored
    ctx.state["vtt_refs"] = {
        k: _put(Path(p), f"{sha[:12]}.{k}.vtt")["ref"] for k, p in ctx.state["vtts"].items()
    }
    ctx.state["shot_refs"] = {
        k: _put(Path(p), f"{sha[:12]}.{k}.jpg")["ref"] for k, p in ctx.state["shots"].items()
    }


def _mirrors(ctx: JobContext) -> None:
    from .mirrors import mirrors_upload

    src = ctx.state["source"]
    mirrors, errors = mirrors_upload(
        path=Path(src["path"]), file_name=src["file_name"], size=src["size"]
    )
    ctx.state["mirrors"] = mirrors
    ctx.state["mirror_errors"] = errors


def _tmdb(ctx: JobContext) -> None:
    from .tmdb import tmdb_enabled, tmdb_match

    rel = ctx.state["release"]
    if not tmdb_enabled():
        ctx.state["tmdb"] = None
        return
    match = tmdb_match(name=rel["title"], year=rel["year"], media_type=rel["media_type"])
    ctx.state["tmdb"] = match.as_dict() if match else None


def _target_title(rel: dict[str, Any], tmdb: dict[str, Any] | None) -> tuple[Title, bool]:
    """The title to attach to and whether we created it. With a TMDB match: the title of
    that TMDB id (unique per media type). Without: the same clean title and year."""
    media_type = rel["media_type"]
    if tmdb:
        found = Title.objects.filter(media_type=media_type, tmdb_id=tmdb["tmdb_id"]).first()
        if found is not None:
            return found, False
        return (
            catalog.title_create(
                media_type=media_type,
                title=tmdb["title"],
                year=tmdb["year"],
                tmdb_id=tmdb["tmdb_id"],
                genres=tmdb["genres"],
                rating=round(tmdb["rating"], 1) if tmdb.get("rating") is not None else None,
                overview=tmdb["overview"],
                series_status=tmdb["series_status"] if media_type == MediaType.SERIES else "",
                status=TitleStatus.PROCESSING,
            ),
            True,
        )
    qs = Title.objects.filter(media_type=media_type, clean_title=clean_title(rel["title"]))
    found = (qs.filter(year=rel["year"]) if rel["year"] else qs).order_by("id").first()
    if found is not None:
        return found, False
    return (
        catalog.title_create(
            media_type=media_type,
            title=rel["title"],
            year=rel["year"],
            status=TitleStatus.PROCESSING,
        ),
        True,
    )


def attach_tracks_and_screenshots(ctx: JobContext, *, media_file, result) -> None:
    """The subtitle tracks (with their stored WebVTT) and the screenshots of a probed file,
    from the job's recorded state. Shared by ingest and re-leech."""
    vtt_refs = ctx.state.get("vtt_refs", {})
    catalog.subtitle_tracks_set(
        media_file=media_file,
        tracks=[
            {
                "stream_index": t.stream_index,
                "lang": t.lang,
                "label": t.label,
                "codec": t.codec,
                "kind": t.kind,
                "vtt_ref": vtt_refs.get(str(t.stream_index), ""),
            }
            for t in result.subtitles
        ],
    )
    for pos, ref in sorted(ctx.state.get("shot_refs", {}).items(), key=lambda kv: int(kv[0])):
        catalog.screenshot_add(
            title=media_file.title,
            media_file=media_file,
            ref=ref,
            position=int(pos),
            backend=vault_backend_name(),
        )


def _attach(ctx: JobContext) -> None:
    """Runs inside the step's transaction (with the step record)."""
    rel, stored = ctx.state["release"], ctx.state["stored"]
    result = _probe_result(ctx.state["probe"])
    with catalog.documents_deferred():
        title, created = _target_title(rel, ctx.state.get("tmdb"))
        episode = None
        if title.media_type == MediaType.SERIES:
            episode = catalog.episode_add(series=title, season=rel["season"], number=rel["episode"])
        mirrors = ctx.state.get("mirrors") or []
        media_file = catalog.media_file_add(
            title=title,
            episode=episode,
            quality=rel["quality"],
            label=" ".join(
                p
                for p in (
                    rel["quality"],
                    "HDR" if result.hdr else "",
                    result.video_codec.upper() if result.video_codec in ("hevc", "av1") else "",
                )
                if p
            ),
            file_hash=ctx.state["sha256"],
            size_bytes=stored["size"],
            backend=stored["backend"],
            ref=stored["ref"],
            tg_raw=stored["tg_raw"],
            backup_url=mirrors[0]["url"] if mirrors else "",
            **result.media_fields(),
        )
        attach_tracks_and_screenshots(ctx, media_file=media_file, result=result)
        if mirrors:
            catalog.mirrors_set(media_file=media_file, mirrors=mirrors)
    ctx.state["title_id"] = title.id
    ctx.state["title_created"] = created
    ctx.state["media_file_id"] = media_file.id


def _images(ctx: JobContext) -> None:
    from .tmdb import tmdb_image_download

    tmdb = ctx.state.get("tmdb")
    title = Title.objects.filter(pk=ctx.state["title_id"]).first()
    if not tmdb or title is None:
        return
    updates: dict[str, str] = {}
    for field_name, path_key, size in (
        ("poster", "poster_path", settings.TMDB_POSTER_SIZE),
        ("backdrop", "backdrop_path", settings.TMDB_BACKDROP_SIZE),
    ):
        if getattr(title, field_name) or not tmdb.get(path_key):
            continue  # downloaded once: an existing image (or an editor's) is kept
        dest = work_dir(ctx.job.pk) / f"{field_name}{Path(tmdb[path_key]).suffix or '.jpg'}"
        try:
            tmdb_image_download(file_path=tmdb[path_key], size=size, dest=dest)
        except PermanentError as exc:
            ctx.state.setdefault("image_errors", []).append(str(exc))
            continue
        updates[field_name] = _put(dest, f"tmdb-{tmdb['tmdb_id']}-{field_name}{dest.suffix}")["ref"]
    if updates:
        catalog.title_update(title=title, data=updates)


def _publish(ctx: JobContext) -> None:
    title = Title.objects.filter(pk=ctx.state["title_id"]).first()
    if title is None:
        return
    if ctx.state.get("tmdb") and title.status == TitleStatus.PROCESSING:
        catalog.title_set_status(title=title, status=TitleStatus.AVAILABLE)
    ctx.state["published"] = title.status == TitleStatus.AVAILABLE or bool(
        Title.objects.filter(pk=title.pk, status=TitleStatus.AVAILABLE).exists()
    )


def _broadcast(ctx: JobContext) -> None:
    from .broadcast import broadcast_request

    title = Title.objects.filter(pk=ctx.state["title_id"]).first()
    if title is not None and ctx.state.get("published"):
        job = broadcast_request(title=title)
        ctx.state["broadcast_job"] = job.id if job else None


def _wishlist(ctx: JobContext) -> None:
    if not ctx.state.get("published"):
        return
    job = job_create(
        kind=JobKind.WISHLIST_NOTIFY,
        payload={"title_id": ctx.state["title_id"]},
        dedupe_key=f"wishlist:{ctx.state['title_id']}:{ctx.state['media_file_id']}",
    )
    ctx.state["wishlist_job"] = job.id


def _cleanup(ctx: JobContext) -> None:
    shutil.rmtree(work_dir(ctx.job.pk), ignore_errors=True)


# --- the job -------------------------------------------------------------------------------------

STEPS: list[tuple[str, int, Any]] = [
    ("hash", 45, _hash),
    ("probe", 50, _probe),
    ("parse", 52, _parse),
    ("media", 65, _media),
    ("vault", 75, _vault),
    ("mirrors", 80, _mirrors),
    ("tmdb", 85, _tmdb),
    ("attach", 90, _attach),
    ("images", 93, _images),
    ("publish", 95, _publish),
    ("broadcast", 97, _broadcast),
    ("wishlist", 99, _wishlist),
    ("cleanup", 100, _cleanup),
]


def ingest_run(ctx: JobContext) -> dict[str, Any]:
    source = _source_forward if ctx.job.kind == JobKind.INGEST_FORWARD else _source_url
    if not ctx.done("source"):
        with ctx.step("source", progress=40):
            source(ctx)
    for name, progress, fn in STEPS:
        if ctx.done(name):
            continue
        if ctx.state.get("duplicate_of") and name not in ("hash", "cleanup"):
            continue  # the bytes are already in the catalog: nothing to attach
        try:
            with ctx.step(name, progress=progress, atomic=name == "attach"):
                fn(ctx)
        except (IntegrityError, ValidationError) as exc:
            if name != "attach":
                raise
            # A concurrent ingest of the same bytes or TMDB id won: the retry finds its rows.
            raise TransientError(f"attach conflicted: {exc}") from exc
    dup = ctx.state.get("duplicate_of")
    if dup:
        return {"duplicate_of_media_file": dup["id"], "title_id": dup["title_id"]}
    return {
        "title_id": ctx.state["title_id"],
        "media_file_id": ctx.state["media_file_id"],
        "published": ctx.state.get("published", False),
    }


def ingest_url_create(
    *, url: str, created_by: Any = None, title_hint: str = "", submission_id: int | None = None
):
    payload: dict[str, Any] = {"url": url}
    if title_hint:
        payload["title_hint"] = title_hint
    if submission_id:
        payload["submission_id"] = submission_id
    return job_create(kind=JobKind.INGEST_URL, payload=payload, created_by=created_by)


@transaction.atomic
def forward_index(
    *,
    chat_id: int,
    message_id: int,
    file_name: str = "",
    mime_type: str = "",
    size: int = 0,
    actor: Any = None,
    copy_to_storage: bool = False,
):
    """A video or document forwarded to the Manager bot by an admin → an ingest_forward job
    (the bot's handler calls this with the message's chat and id)."""
    if mime_type and not mime_type.startswith(("video/", "application/")):
        raise ValidationError({"mime_type": f"{mime_type} is not a video or a document"})
    return job_create(
        kind=JobKind.INGEST_FORWARD,
        payload={
            "chat_id": chat_id,
            "message_id": message_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "size": size,
            "copy_to_storage": copy_to_storage,
        },
        created_by=actor,
        dedupe_key=f"forward:{chat_id}:{message_id}",
    )


def forward_index_from_message(*, message: Any, actor: Any = None):
    """The Manager bot's entry point: ``message`` is the pyrogram Message an admin forwarded to
    the bot. Worker accounts cannot read the admin's chat with the bot, so the job references
    the original: the source channel's message when the forward shows it (a public or joined
    channel), else — origin hidden — the bot must first copy the message into the storage
    channel and call ``forward_index`` with that copy."""
    media = next(
        (getattr(message, a) for a in ("video", "document") if getattr(message, a, None)), None
    )
    if media is None:
        raise ValidationError({"message": "Forward a video or a document."})
    origin = getattr(message, "forward_from_chat", None)
    origin_id = getattr(message, "forward_from_message_id", None)
    if origin is None or origin_id is None:
        raise ValidationError(
            {"message": "The origin of this forward is hidden: copy it to the storage channel."}
        )
    return forward_index(
        chat_id=origin.id,
        message_id=origin_id,
        file_name=getattr(media, "file_name", "") or "",
        mime_type=getattr(media, "mime_type", "") or "",
        size=getattr(media, "file_size", 0) or 0,
        actor=actor,
        copy_to_storage=True,
    )


# --- repair entry points (the medic's repair loop calls these; see swarm/repair.py) -------------


def releech_create(*, media_file_id: int, url: str = "", created_by: Any = None):
    """A ``releech`` job: download ``url`` (default: the file's backup URL, else the URL it was
    ingested from) and put those bytes behind the EXISTING media file
    (``catalog.services.media_file_replace``; the same bytes are only stored again)."""
    from .repair import releech_create as create

    return create(media_file_id=media_file_id, url=url, created_by=created_by)


def recopy_create(*, media_file_id: int, created_by: Any = None):
    """A ``recopy`` job: copy the file's channel message to a fresh storage-channel message,
    verify its bytes, and point the media file at the copy."""
    from .repair import recopy_create as create

    return create(media_file_id=media_file_id, created_by=created_by)
