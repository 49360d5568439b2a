"""Creators, stream keys and going live, as keyword-only services.

A stream key is ``svlive_`` + 32 random URL-safe characters; only its SHA-256 is stored, so it
is shown once (at creation or rotation) and can never be read back. Lookups are by the digest
(the key has 190+ bits of entropy: no salt or slow hash is needed to stop guessing).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User, UserKind
from catalog import services as catalog
from catalog.models import MediaType
from core.alerts import alert_raise
from core.audit import audit_record
from core.models import AdminAlert
from ingest.kinds import JobKind
from ingest.work import put
from jobs.engine import job_create
from jobs.models import Job
from vault import BackendUnavailable

from . import chat, control, viewers
from .models import (
    Creator,
    CreatorStatus,
    Follow,
    ShareChannel,
    Stream,
    StreamAnalytics,
    StreamLike,
    StreamShare,
    StreamStatus,
)

log = logging.getLogger(__name__)

KEY_PREFIX = "svlive_"
CHANNEL_PATTERN = r"^[\w][\w .'-]{1,58}[\w.]$"
_CHANNEL = re.compile(CHANNEL_PATTERN)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def creator_become(*, user: Any, channel_name: str, description: str = "") -> Creator:
    """Make ``user`` a creator with a unique channel name (trimmed, 3 to 60 characters)."""
    name = " ".join((channel_name or "").split())
    if not _CHANNEL.match(name):
        raise ValidationError({"channel_name": "3 to 60 letters, digits, spaces or .'-_"})
    taken = ValidationError({"channel_name": ValidationError(
        "That channel name is taken.", code="conflict")})  # fmt: skip
    if Creator.objects.filter(user=user).exists():
        raise ValidationError({"user": ValidationError("Already a creator.", code="conflict")})
    if Creator.objects.filter(channel_name__iexact=name).exists():
        raise taken
    auto = settings.LIVE_CREATORS_AUTO_APPROVE
    try:
        with transaction.atomic():
            creator = Creator.objects.create(
                user=user, channel_name=name, description=description,
                status=CreatorStatus.ACTIVE if auto else CreatorStatus.PENDING,
            )  # fmt: skip
            if not auto:
                alert_raise(
                    kind=AdminAlert.Kind.CREATOR_PENDING,
                    message=f"A new live channel waits for approval: {name}",
                    payload={"creator": creator.pk},
                )
            return creator
    except IntegrityError as exc:  # a concurrent request took the name (or the user's slot)
        raise taken from exc


def stream_key_rotate(*, creator: Creator) -> str:
    """A new stream key for ``creator``; the old one stops working at once. Returns the key —
    the only time it exists outside the encoder. Only an active channel gets one."""
    if creator.status != CreatorStatus.ACTIVE:
        waits = "Your channel gets a stream key once staff approve it."
        raise ValidationError({"creator": ValidationError(waits, code="forbidden")})
    return _key_new(creator)


def _key_new(creator: Creator) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    Creator.objects.filter(pk=creator.pk).update(
        stream_key_hash=key_digest(key), stream_key_updated_at=timezone.now()
    )
    creator.refresh_from_db(fields=["stream_key_hash", "stream_key_updated_at"])
    return key


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


def publish_start(*, key: str, client_id: str = "") -> Stream | Refusal:
    """nginx-rtmp's ``on_publish``: a valid key of a creator who may go live starts a broadcast
    (the creator's earliest scheduled stream, else a new one). Anything else is refused."""
    if not key or not key.startswith(KEY_PREFIX):
        return Refusal(403, "not a stream key")
    with transaction.atomic():
        creator = (
            Creator.objects.select_for_update().filter(stream_key_hash=key_digest(key)).first()
        )
        if creator is None:
            return Refusal(403, "unknown or rotated stream key")
        if creator.is_blocked or creator.is_deleted or creator.status != CreatorStatus.ACTIVE:
            return Refusal(403, "this channel may not go live")
        for live in creator.streams.filter(status=StreamStatus.LIVE):
            if not stale(live):
                return Refusal(409, "this channel is already live")
            log.warning("stream %s: no HLS for a while, its publisher is gone; ended", live.pk)
            _finish(live)
        stream = (
            creator.streams.filter(status=StreamStatus.SCHEDULED)
            .order_by("scheduled_at", "id")
            .first()
        ) or Stream(creator=creator, title=f"{creator.channel_name} live")
        stream.status = StreamStatus.LIVE
        stream.started_at = timezone.now()
        stream.ended_at = None
        stream.rtmp_client_id = client_id[:32]
        stream.save()
        Creator.objects.filter(pk=creator.pk).update(total_streams=F("total_streams") + 1)
        followers_tell(stream=stream)
        chat.system_post(stream=stream, text=f"{creator.channel_name} went live.")
        chat.broadcast_on_commit(stream.public_id, {"type": "status", "status": "live"})
    return stream


def stale(stream: Stream) -> bool:
    """A LIVE stream whose publisher is gone without nginx telling us (nginx restarted, a
    callback failed): nginx-rtmp has not rewritten its playlist for ``LIVE_STALE_SECONDS``."""
    limit = settings.LIVE_STALE_SECONDS
    if not settings.LIVE_HLS_DIR or stream.started_at is None:
        return False
    if (timezone.now() - stream.started_at).total_seconds() < limit:
        return False
    try:
        written = (Path(settings.LIVE_HLS_DIR) / f"{stream.public_id}.m3u8").stat().st_mtime
    except FileNotFoundError:
        return True
    return time.time() - written > limit


def stale_end(*, stream_id: int) -> bool:
    """End a LIVE stream that went stale (the ``live: viewers`` beat task asks)."""
    with transaction.atomic():
        stream = Stream.objects.select_for_update().filter(pk=stream_id).first()
        if stream is None or stream.status != StreamStatus.LIVE or not stale(stream):
            return False
        log.warning("stream %s: no HLS for a while, its publisher is gone; ended", stream.pk)
        _finish(stream)
    return True


def followers_tell(*, stream: Stream) -> int:
    """A Telegram DM (a NOTIFY_USER job, once per stream and follower) to every follower who
    signed in with Telegram: the channel went live."""
    link = f"{settings.SITE_URL.rstrip('/')}/live/{stream.public_id}"
    text = f"🔴 {stream.creator.channel_name} is live: {stream.title}\n{link}"
    followers = User.objects.filter(
        live_following__creator_id=stream.creator_id,
        kind=UserKind.TELEGRAM,
        telegram_id__isnull=False,
    ).values_list("pk", flat=True)
    told = 0
    for user_id in followers.iterator():
        job_create(
            kind=JobKind.NOTIFY_USER,
            payload={"user_id": user_id, "text": text},
            dedupe_key=f"live:{stream.pk}:{stream.started_at.timestamp():.0f}:{user_id}",
            priority=3,
        )
        told += 1
    return told


def publish_done(*, key: str, client_id: str) -> Stream | None:
    """nginx-rtmp's ``on_publish_done`` (it names the stream as the encoder did, by its key, and
    gives the connection's client id): the broadcast ends. Idempotent. The key may have been
    rotated meanwhile, so the client id alone decides when it is unambiguous."""
    with transaction.atomic():
        live = Stream.objects.select_for_update().filter(
            status=StreamStatus.LIVE, rtmp_client_id=client_id[:32]
        )
        stream = live.filter(creator__stream_key_hash=key_digest(key)).first()
        if stream is None:
            candidates = list(live[:2])
            stream = candidates[0] if len(candidates) == 1 else None
        if stream is None or not client_id:
            return None
        _finish(stream)
    return stream


def _finish(stream: Stream) -> None:
    """A locked LIVE row becomes OFFLINE with its end and duration; its figures are rolled
    into its ``StreamAnalytics`` row and the chat is told."""
    figures = viewers.figures_flush(stream_id=stream.pk) or viewers.Figures(0, 0, 0)
    stream.refresh_from_db()
    stream.status = StreamStatus.OFFLINE
    stream.ended_at = timezone.now()
    stream.duration_seconds = int((stream.ended_at - stream.started_at).total_seconds())
    stream.current_viewers = 0
    stream.rtmp_client_id = ""
    stream.save(
        update_fields=[
            "status", "ended_at", "duration_seconds", "current_viewers", "rtmp_client_id",
            "updated_at",
        ]
    )  # fmt: skip
    StreamAnalytics.objects.update_or_create(
        stream=stream,
        defaults={
            "creator_id": stream.creator_id,
            "view_count": stream.total_views,
            "unique_viewers": figures.unique,
            "watch_duration": figures.watched,
            "peak_concurrent_viewers": stream.peak_viewers,
            "likes": stream.total_likes,
            "comments": stream.total_comments,
            "shares": stream.total_shares,
        },
    )
    transaction.on_commit(lambda: viewers.forget(stream=stream))
    chat.system_post(stream=stream, text="The broadcast has ended.")
    chat.broadcast_on_commit(stream.public_id, {"type": "status", "status": "offline"})


# --- moderation (admin actions; each audited and idempotent) --------------------------------


def creator_block_set(*, creator: Creator, blocked: bool, actor: Any) -> bool:
    """Block (or unblock) a creator: a blocked creator cannot go live or chat; a live
    broadcast of theirs ends at once."""
    return _creator_flag(creator, "is_blocked", blocked, actor, "creator_block", "creator_unblock")


def creator_delete_set(*, creator: Creator, deleted: bool, actor: Any) -> bool:
    """Soft-delete (or restore) a creator's channel: hidden everywhere, recoverable by an
    admin; a live broadcast ends."""
    return _creator_flag(creator, "is_deleted", deleted, actor, "creator_delete", "creator_restore")


def _creator_flag(creator: Creator, field: str, value: bool, actor: Any, on: str, off: str) -> bool:
    """Set a moderation flag once (False when it already was so), audit it, and end a live
    broadcast when the flag takes the channel off the air."""
    changed = (
        Creator.objects.filter(pk=creator.pk).exclude(**{field: value}).update(**{field: value})
    )
    if not changed:
        return False
    setattr(creator, field, value)
    audit_record(
        actor=actor,
        action=on if value else off,
        target=creator,
        before={field: not value},
        after={field: value},
    )
    if value:
        for stream in creator.streams.filter(status=StreamStatus.LIVE):
            _end(stream)
    return True


def stream_key_reset(*, creator: Creator, actor: Any) -> bool:
    """An admin kills a creator's key (a leak, abuse): a new one is made and thrown away — it is
    never shown to anyone; the creator makes their own from the dashboard."""
    _key_new(creator)
    audit_record(actor=actor, action="stream_key_reset", target=creator)
    return True


def stream_end(*, stream: Stream, actor: Any, reason: str = "") -> bool:
    """End a live broadcast now: nginx drops the publisher, the stream is OFFLINE."""
    if stream.status != StreamStatus.LIVE:
        return False
    _end(stream)
    audit_record(actor=actor, action="stream_end", target=stream, reason=reason)
    return True


def _end(stream: Stream) -> None:
    control.publisher_drop(name=stream.public_id)
    with transaction.atomic():
        locked = Stream.objects.select_for_update().filter(pk=stream.pk).first()
        if locked is not None and locked.status == StreamStatus.LIVE:
            _finish(locked)
    stream.status = StreamStatus.OFFLINE


# --- follows and likes (unique pairs; the cached counts kept by conditional updates) ---------


def follow_set(*, user: Any, creator: Creator, following: bool) -> bool:
    """Follow (or unfollow) a creator. Idempotent and safe under concurrency: the unique pair
    decides, and the creator's count moves only when a row was really added or removed."""
    if following:
        if creator.user_id == getattr(user, "pk", None):
            raise ValidationError({"creator": ValidationError(
                "You cannot follow your own channel.", code="conflict")})  # fmt: skip
        if creator.is_deleted:
            raise ValidationError(
                {"creator": ValidationError("No such channel.", code="not_found")}
            )
        with transaction.atomic():
            _, created = Follow.objects.get_or_create(follower=user, creator=creator)
            if created:
                Creator.objects.filter(pk=creator.pk).update(
                    total_followers=F("total_followers") + 1
                )
        return created
    with transaction.atomic():
        gone, _ = Follow.objects.filter(follower=user, creator=creator).delete()
        if gone:
            Creator.objects.filter(pk=creator.pk, total_followers__gt=0).update(
                total_followers=F("total_followers") - 1
            )
    return bool(gone)


def like_set(*, user: Any, stream: Stream, liked: bool) -> bool:
    """Like (or unlike) a stream; the stream's and its creator's counts follow exactly."""
    with transaction.atomic():
        if liked:
            _, changed = StreamLike.objects.get_or_create(user=user, stream=stream)
            delta = 1
        else:
            changed = bool(StreamLike.objects.filter(user=user, stream=stream).delete()[0])
            delta = -1
        if changed:
            floor = {} if delta > 0 else {"total_likes__gt": 0}
            Stream.objects.filter(pk=stream.pk, **floor).update(
                total_likes=F("total_likes") + delta
            )
            Creator.objects.filter(pk=stream.creator_id, **floor).update(
                total_likes=F("total_likes") + delta
            )
    return changed


def share_record(*, user: Any, stream: Stream, channel: str) -> bool:
    """Count a share of the stream once per visitor (a copied link or a Telegram share):
    the stream's count now, its analytics' once the broadcast has ended. True when counted."""
    if channel not in ShareChannel.values:
        raise ValidationError({"channel": [f"One of {', '.join(ShareChannel.values)}."]})
    with transaction.atomic():
        _, created = StreamShare.objects.get_or_create(
            user=user, stream=stream, defaults={"channel": channel}
        )
        if created:
            Stream.objects.filter(pk=stream.pk).update(total_shares=F("total_shares") + 1)
            StreamAnalytics.objects.filter(stream=stream).update(shares=F("shares") + 1)
    return created


# --- recordings become titles ------------------------------------------------------------------


def recording_ingest(*, path: str) -> Job | None:
    """nginx-rtmp's ``on_record_done``: the broadcast's recording (``<public id>-<time>.flv`` in
    ``LIVE_RECORD_DIR``) becomes a catalog title of the channel, through the same pipeline as
    any file (an ``ingest_local`` job on the heavy queue: vault, probe, screenshots, playable
    rendition). Once per stream; a path outside the directory is refused, and the recording of
    a broadcast taken down (or of a blocked or deleted channel) is deleted, not ingested.

    With ``LIVE_RECORD_VAULT`` the recording is first put in that vault backend and removed
    from this disk, and the job copies it from there: the worker may be on any machine. If the
    vault cannot take it, the recording stays where it is and staff are alerted."""
    root = Path(settings.LIVE_RECORD_DIR).resolve() if settings.LIVE_RECORD_DIR else None
    source = Path(path).resolve()
    if root is None or root not in source.parents or not source.is_file():
        log.warning("recording %s refused: not a file in LIVE_RECORD_DIR", path)
        return None
    public = source.stem.rsplit("-", 1)[0]
    payload: dict[str, Any] = {"path": str(source)}
    if (
        settings.LIVE_RECORD_VAULT
        and Stream.objects.filter(
            public_id=public, recording__isnull=True, is_taken_down=False
        ).exists()
    ):
        try:
            stored = put(source, source.name, backend=settings.LIVE_RECORD_VAULT)
        except BackendUnavailable as exc:
            alert_raise(
                kind=AdminAlert.Kind.OTHER,
                message=f"Recording {source.name} kept in LIVE_RECORD_DIR: the vault refused "
                f"it ({exc}); ingest it with manage.py ingest_local.",
                payload={"path": str(source)},
            )
            return None
        keys = ("backend", "ref", "size")
        payload = {"staged": {**{k: stored[k] for k in keys}, "file_name": source.name}}
    with transaction.atomic():
        stream = (
            Stream.objects.select_for_update().select_related("creator")
            .filter(public_id=public, recording__isnull=True).first()
        )  # fmt: skip
        if stream is None:
            return None
        if stream.is_taken_down or stream.creator.is_blocked or stream.creator.is_deleted:
            # A broadcast taken off the air does not come back as a title.
            log.warning("recording of stream %s not ingested: taken down or blocked", stream.pk)
            source.unlink(missing_ok=True)
            return None
        started = stream.started_at or timezone.now()
        title = catalog.title_create(
            media_type=MediaType.MOVIE,
            title=f"{stream.creator.channel_name}: {stream.title}"[:200],
            year=started.year,
            overview=stream.description or f"Recorded live on {started:%Y-%m-%d}.",
            poster=stream.thumbnail,  # the broadcast's last thumbnail
        )
        stream.recording = title
        stream.save(update_fields=["recording", "updated_at"])
        job = job_create(
            kind=JobKind.INGEST_LOCAL,
            payload={**payload, "title_id": title.pk, "publish": True},
            max_attempts=3,
        )
    if "staged" in payload:
        source.unlink(missing_ok=True)  # in the vault now, and the job is committed
    return job


def stream_takedown(*, stream: Stream, actor: Any, reason: str) -> bool:
    """Take a broadcast down: nginx drops the publisher at once, and the stream leaves every
    feed and page (its recording, a catalog title, is taken down like any title, in medic)."""
    changed = Stream.objects.filter(pk=stream.pk, is_taken_down=False).update(
        is_taken_down=True, is_public=False
    )
    if stream.status == StreamStatus.LIVE:
        _end(stream)
    if not changed:
        return False
    stream.is_taken_down, stream.is_public = True, False
    audit_record(actor=actor, action="stream_takedown", target=stream, reason=reason)
    return True
