"""Broadcast publisher (docs/design.md): the first time a title is published, one release card
(poster, title, year, qualities, site link) goes to the public_updates channel.

Exactly once per title: ``Broadcast`` has a unique title, the job has a dedupe key, and the
handler sends only while ``sent_at`` is empty and records it right after the send. The one
window left is a crash between Telegram accepting the post and our UPDATE (milliseconds);
closing it would need a read-back of the channel, which Telegram rate-limits harder than posts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Title, TitleStatus
from ingest.kinds import JobKind
from ingest.models import Broadcast
from ingest.work import work_dir
from jobs.engine import JobContext, PermanentError, job_create
from jobs.models import Job
from swarm.models import Channel, WorkerRole
from swarm.telegram.runtime import telegram_call
from vault import VaultError, read_all, resolve_tagged


def broadcast_request(*, title: Title) -> Job | None:
    """Queue the title's card unless it was already queued or sent, or there is no public
    channel to send it to (a site without one: nothing to fail). Idempotent."""
    if title.status != TitleStatus.AVAILABLE:
        return None
    if not Channel.objects.filter(kind=Channel.Kind.PUBLIC_UPDATES, is_active=True).exists():
        return None
    with transaction.atomic():
        record, _ = Broadcast.objects.get_or_create(title=title)
    if record.sent_at is not None:
        return None
    return job_create(
        kind=JobKind.BROADCAST,
        payload={"title_id": title.id},
        dedupe_key=f"broadcast:{title.id}",
        priority=4,
    )


def card_text(title: Title) -> str:
    card = title.card or {}
    name = f"{title.title} ({title.year})" if title.year else title.title
    qualities = " · ".join(card.get("qualities") or []) or "new"
    genres = ", ".join(card.get("genres") or [])
    lines = [f"🎬 {name}", f"Qualities: {qualities}"]
    if genres:
        lines.append(genres)
    if title.rating is not None:
        lines.append(f"⭐ {title.rating}")
    lines.append(f"▶️ {settings.SITE_URL.rstrip('/')}/title/{title.short_id}")
    return "\n".join(lines)


def _poster_path(title: Title, work: Path) -> Path | None:
    """The poster as a file in the job's work directory, read from whichever backend holds it
    (else the card is text only)."""
    if not title.poster:
        return None
    try:
        backend, ref = resolve_tagged(title.poster)
        data = async_to_sync(read_all)(backend, ref, max_bytes=10 * 1024 * 1024)
    except VaultError:
        return None
    work.mkdir(parents=True, exist_ok=True)
    path = work / "poster.jpg"
    path.write_bytes(data)
    return path


def broadcast_run(ctx: JobContext) -> dict:
    title = Title.objects.filter(pk=ctx.payload["title_id"]).first()
    if title is None:
        return {"skipped": "title gone"}
    record = Broadcast.objects.filter(title=title).first()
    if record is None:
        record = Broadcast.objects.create(title=title)
    if record.sent_at is not None:
        return {"already_sent": record.message_id}
    channel = Channel.objects.filter(kind=Channel.Kind.PUBLIC_UPDATES, is_active=True).first()
    if channel is None:
        raise PermanentError("no active public_updates channel is configured")
    caption, photo = card_text(title), _poster_path(title, work_dir(ctx.job.pk))
    message_id = telegram_call(
        role=WorkerRole.INGEST,
        task=f"broadcast {title.short_id}",
        op=lambda gw, wid: gw.send_photo(wid, channel.chat_id, photo, caption),
        on_worker=ctx.set_worker,
    )
    Broadcast.objects.filter(pk=record.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), chat_id=channel.chat_id, message_id=message_id
    )
    shutil.rmtree(work_dir(ctx.job.pk), ignore_errors=True)
    return {"message_id": message_id, "chat_id": channel.chat_id}


def broadcast_step(ctx: JobContext) -> None:
    """The ``broadcast`` step of an ingest: the release card in the public channel, once per
    title, when the title is published."""
    title = Title.objects.filter(pk=ctx.state["title_id"]).first()
    if title is not None and ctx.state.get("published"):
        job = broadcast_request(title=title)
        ctx.state["broadcast_job"] = job.id if job else None
