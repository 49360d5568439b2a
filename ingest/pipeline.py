"""The ingestion pipeline: one resumable Job, each step idempotent and recorded.

    source ─▶ hash (blocked? duplicate?) ─▶ probe ─▶ parse ─▶ media (subtitles, screenshots)
      ─▶ store ─▶ mirrors ─▶ tmdb ─▶ omdb ─▶ attach ─▶ images ─▶ publish ─▶ broadcast ─▶ cleanup
      ─▶ documents

Every source runs the same steps (``ingest/steps/``); a source only produces a file on this
machine and, for a Telegram message, where the bytes already are:

- ``ingest_url`` — a URL leech (resumable with Range); an approved submission is one too;
- ``ingest_forward`` — a message forwarded to the Manager bot (indexed by reference: the
  video is not re-uploaded);
- ``ingest_local`` — a file on this machine (``manage.py ingest_local``), run in the calling
  process.

The steps run in ``ingest.runner.steps_run``, the runner of every ingest and repair job. The
probe runs before anything is stored, so a non-video leaves nothing behind. ``attach`` is one
transaction with its step record; the title's document is rebuilt once, when the run ends.
Wishlist notifications are queued by the publication itself (``ingest.receivers``). A title
made by ingest is published when TMDB or OMDb matched it or the caller vouched for it (see
``ingest.steps.publish``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ingest.attach import attach_step
from ingest.broadcast import broadcast_step
from ingest.kinds import JobKind
from ingest.metadata import omdb_step
from ingest.mirrors import mirrors_step
from ingest.runner import Step, steps_run, work_cleanup
from ingest.steps import (
    hash,
    images,
    media,
    parse,
    probe,
    publish,
    source_forward,
    source_local,
    source_url,
    store,
    unpack,
)
from ingest.tmdb import tmdb_step
from jobs.engine import JobContext, job_create
from jobs.models import Job

SOURCES: dict[str, Callable[[JobContext], None]] = {
    JobKind.INGEST_URL: source_url.run,
    JobKind.INGEST_FORWARD: source_forward.run,
    JobKind.INGEST_LOCAL: source_local.run,
}

STEPS: list[Step] = [
    ("source", 40, lambda ctx: SOURCES[ctx.job.kind](ctx)),
    ("hash", 45, hash.run),
    ("unpack", 47, unpack.run),
    ("probe", 50, probe.run),
    ("parse", 52, parse.run),
    ("media", 65, media.run),
    ("vault", 75, store.run),
    ("mirrors", 80, mirrors_step),
    ("tmdb", 85, tmdb_step),
    ("omdb", 87, omdb_step),
    ("attach", 90, attach_step),
    ("images", 93, images.run),
    ("publish", 95, publish.run),
    ("broadcast", 97, broadcast_step),
    ("cleanup", 100, work_cleanup),
]


def _duplicate_skips(ctx: JobContext) -> list[str]:
    """Bytes already in the catalog (found by the hash step) skip all but the clean-up; so does
    an archive of episodes once the unpack step ingested each of them."""
    if ctx.state.get("duplicate_of"):
        return [name for name, _, _ in STEPS[2:-1]]
    if "pack" in ctx.state:
        return [name for name, _, _ in STEPS[3:-1]]
    return []


def ingest_run(ctx: JobContext) -> dict[str, Any]:
    """The handler of every ingest kind (registered in ``ingest.jobs``)."""
    steps_run(ctx, STEPS, skip=_duplicate_skips)
    dup = ctx.state.get("duplicate_of")
    if dup:
        return {"duplicate_of_media_file": dup["id"], "title_id": dup["title_id"]}
    if "pack" in ctx.state:
        return {"pack": ctx.state["pack"]}
    return {
        "title_id": ctx.state["title_id"],
        "media_file_id": ctx.state["media_file_id"],
        "published": ctx.state.get("published", False),
    }


# --- creating ingest jobs -------------------------------------------------------------------------


def ingest_url_create(
    *, url: str, created_by: Any = None, title_hint: str = "", submission_id: int | None = None
) -> Job:
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
    chat_username: str = "",
) -> Job:
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
            "chat_username": chat_username,
        },
        created_by=actor,
        dedupe_key=f"forward:{chat_id}:{message_id}",
    )


def forward_index_from_message(*, message: Any, actor: Any = None) -> Job:
    """The Manager bot's entry point: ``message`` is the pyrogram Message an admin forwarded to
    the bot. Worker accounts cannot read the admin's chat with the bot, so the job references
    the original: the source channel's message when the forward shows it (a public or joined
    channel), else — origin hidden — the bot must first copy the message into the storage
    channel and call ``forward_index`` with that copy."""
    media_obj = next(
        (getattr(message, a) for a in ("video", "document") if getattr(message, a, None)), None
    )
    if media_obj is None:
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
        file_name=getattr(media_obj, "file_name", "") or "",
        mime_type=getattr(media_obj, "mime_type", "") or "",
        size=getattr(media_obj, "file_size", 0) or 0,
        actor=actor,
        chat_username=getattr(origin, "username", "") or "",
        copy_to_storage=True,
    )
