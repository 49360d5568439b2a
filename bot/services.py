"""What the Manager bot does, as services its handlers call.

- ``bot_admin_for``: who may use the admin commands — an active accounts ``User`` with a
  ``telegram_id`` whose role is ``admin`` or who is staff (``is_staff``), and not banned.
- ``bot_index_message``: forward-to-index. A forward that shows its origin (a channel message)
  is indexed by reference through ``ingest.pipeline.forward_index_from_message``. Otherwise (the
  origin is hidden, or the admin uploaded the file to the bot directly) worker accounts cannot
  read the message, so the bot copies it into the storage channel first and indexes the copy
  (``forward_index``).
- ``bot_job_outcome``: the line the bot answers when the job ends (the title link, or why not).
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.selectors import user_staff_by_telegram_id
from catalog.models import MediaFile, Title
from ingest.pipeline import forward_index, forward_index_from_message
from ingest.results import pack_report_text
from jobs.models import Job, JobStatus
from swarm.models import Channel

MEDIA_ATTRS = ("video", "document")


class BotError(Exception):
    """Something the admin should be told in plain words (nothing was queued)."""


def bot_admin_for(*, telegram_id: int | None) -> User | None:
    """The admin behind this Telegram account, or None (unknown, not an admin, banned)."""
    return user_staff_by_telegram_id(telegram_id=telegram_id)


def _media_of(message: Any) -> Any:
    return next((getattr(message, a) for a in MEDIA_ATTRS if getattr(message, a, None)), None)


def _origin_visible(message: Any) -> bool:
    origin = getattr(message, "forward_origin", None)
    return getattr(origin, "chat", None) is not None and bool(getattr(origin, "message_id", None))


def _storage_chat_id() -> int | None:
    return (
        Channel.objects.filter(kind=Channel.Kind.STORAGE, is_active=True)
        .values_list("chat_id", flat=True)
        .first()
    )


async def bot_index_message(*, client: Any, message: Any, actor: User) -> Job:
    """Queue the ingest of the video/document in ``message`` (sent to the bot by ``actor``).
    Raises BotError with the reason when nothing could be queued."""
    media = _media_of(message)
    if media is None:
        raise BotError("Forward a video or a document.")
    try:
        if _origin_visible(message):
            return await sync_to_async(forward_index_from_message)(message=message, actor=actor)
        storage = await sync_to_async(_storage_chat_id)()
        if storage is None:
            raise BotError(
                "The origin of this file is hidden and no storage channel is configured to "
                "copy it to."
            )
        # Worker accounts cannot read the admin's chat with the bot: the bot (an admin of the
        # storage channel) copies the message there, and the job reads the copy.
        copy = await client.copy_message(
            chat_id=storage, from_chat_id=message.chat.id, message_id=message.id
        )
        return await sync_to_async(forward_index)(
            chat_id=storage,
            message_id=copy.id,
            file_name=getattr(media, "file_name", "") or "",
            mime_type=getattr(media, "mime_type", "") or "",
            size=getattr(media, "file_size", 0) or 0,
            actor=actor,
        )
    except ValidationError as exc:
        raise BotError(" ".join(exc.messages)) from exc


def title_link(title: Title) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/title/{title.short_id}"


def job_admin_link(job_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("admin:jobs_job_change", args=[job_id])


def bot_job_outcome(*, job_id: int) -> str | None:
    """The answer once the job has ended; None while it is queued or running."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return f"Job #{job_id} is gone."
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return None
    if job.status == JobStatus.CANCELLED:
        return f"Job #{job_id} was cancelled."
    if job.status == JobStatus.FAILED:
        return f"❌ Job #{job_id} failed: {job.last_error.strip()[:500]}"
    result = job.state.get("result") or {}
    if "pack" in result:
        return pack_report_text(result["pack"])
    title = Title.objects.filter(pk=result.get("title_id")).first()
    if title is None:
        return f"Job #{job_id} is done, but its title is gone."
    name = f"{title.title} ({title.year})" if title.year else title.title
    if result.get("duplicate_of_media_file"):
        quality = (
            MediaFile.objects.filter(pk=result["duplicate_of_media_file"])
            .values_list("quality", flat=True)
            .first()
        )
        return f"♻️ Already in the library: {name} {quality or ''}".rstrip() + (
            f"\n{title_link(title)}"
        )
    state = "published" if title.status == "available" else f"{title.status}, to confirm"
    return f"✅ Indexed: {name} — {state}\n{title_link(title)}"
