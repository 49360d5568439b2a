"""Creators, stream keys and going live (seed 004), as keyword-only services.

A stream key is ``svlive_`` + 32 random URL-safe characters; only its SHA-256 is stored, so it
is shown once (at creation or rotation) and can never be read back. Lookups are by the digest
(the key has 190+ bits of entropy: no salt or slow hash is needed to stop guessing).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.audit import audit_record

from .models import Creator, Stream, StreamStatus

KEY_PREFIX = "svlive_"
_CHANNEL = re.compile(r"^[\w][\w .'-]{1,58}[\w.]$")


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def creator_become(*, user: Any, channel_name: str, description: str = "") -> Creator:
    """Make ``user`` a creator with a unique channel name (trimmed, 3 to 60 characters)."""
    name = " ".join((channel_name or "").split())
    if not _CHANNEL.match(name):
        raise ValidationError({"channel_name": "3 to 60 letters, digits, spaces or .'-_"})
    if Creator.objects.filter(user=user).exists():
        raise ValidationError({"user": "Already a creator."})
    if Creator.objects.filter(channel_name__iexact=name).exists():
        raise ValidationError({"channel_name": "That channel name is taken."})
    try:
        with transaction.atomic():
            return Creator.objects.create(user=user, channel_name=name, description=description)
    except IntegrityError as exc:  # a concurrent request took the name
        raise ValidationError({"channel_name": "That channel name is taken."}) from exc


def stream_key_rotate(*, creator: Creator, actor: Any = None) -> str:
    """A new stream key for ``creator``; the old one stops working at once. Returns the key —
    the only time it exists outside the encoder. An admin's reset is audited."""
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    Creator.objects.filter(pk=creator.pk).update(
        stream_key_hash=key_digest(key), stream_key_updated_at=timezone.now()
    )
    creator.refresh_from_db(fields=["stream_key_hash", "stream_key_updated_at"])
    if actor is not None and actor != creator.user:
        audit_record(actor=actor, action="stream_key_reset", target=creator)
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
        if creator.is_blocked or creator.is_deleted:
            return Refusal(403, "this channel may not go live")
        if creator.streams.filter(status=StreamStatus.LIVE).exists():
            return Refusal(409, "this channel is already live")
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
    return stream


def publish_done(*, key: str, client_id: str) -> Stream | None:
    """nginx-rtmp's ``on_publish_done`` (it names the stream as the encoder did, by its key, and
    gives the connection's client id): the broadcast ends. Idempotent. The key may have been
    rotated meanwhile, so the client id alone decides when it is unambiguous."""
    with transaction.atomic():
        live = Stream.objects.select_for_update().filter(
            status=StreamStatus.LIVE, rtmp_client_id=client_id[:32]
        )
        stream = live.filter(creator__stream_key_hash=key_digest(key)).first()
        if stream is None and live.count() == 1:
            stream = live.first()
        if stream is None or not client_id:
            return None
        stream.status = StreamStatus.OFFLINE
        stream.ended_at = timezone.now()
        stream.duration_seconds = int((stream.ended_at - stream.started_at).total_seconds())
        stream.current_viewers = 0
        stream.rtmp_client_id = ""
        stream.save()
    return stream
