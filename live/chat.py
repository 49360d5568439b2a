"""A stream's chat (the live channels' StreamChat) as keyword-only services; the WebSocket consumer
(``live.consumers``) and the REST history only adapt to these.

Who may write: a signed-in user who is not banned or timed out of the channel, on a stream that
is live or scheduled, and — when the stream says ``who_can_message = followers`` — who follows
the channel (the creator always may). A user sends at most ``LIVE_CHAT_RATE`` messages per
``LIVE_CHAT_RATE_SECONDS`` and, in slow mode, one per ``slow_mode_seconds``; both are counted
in the shared cache (Redis), so every ASGI process sees the same limits.

Moderators (the channel's creator, or staff with ``live.delete_chatmessage``) delete lines,
time users out and ban them; each is audited and idempotent."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from core.ratelimit import window_hit
from core.text import HTML, avatar_seed, clean_text, nickname

from .models import ChatBan, ChatMessage, Creator, MessageType, Stream, StreamStatus
from .selectors import follows

MAX_LENGTH = 500
MAX_TIMEOUT = 7 * 24 * 3600


class ChatError(Exception):
    """A refused chat action: ``code`` for programs, ``message`` for people."""

    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


def group_name(public_id: str) -> str:
    return f"live.{public_id}"


def frame(event: dict[str, Any]) -> dict[str, Any]:
    """A channel-layer message carrying ``event`` as the JSON text every socket sends as is
    (encoded once, not once per viewer)."""
    return {"type": "chat.event", "text": json.dumps(event, separators=(",", ":"))}


def broadcast(public_id: str, event: dict[str, Any]) -> None:
    """Send ``event`` to every WebSocket on the stream's chat (through the channel layer)."""
    async_to_sync(get_channel_layer().group_send)(group_name(public_id), frame(event))


def broadcast_on_commit(public_id: str, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: broadcast(public_id, event))


def author(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    creator = getattr(user, "creator", None)
    name = creator.channel_name if creator is not None else ""
    return {
        "id": user.pk,
        "name": name or nickname(user_id=user.pk, first_name=user.first_name),
        "avatar_seed": avatar_seed(user.pk),
        "is_creator": creator is not None,
    }


def message_item(message: ChatMessage) -> dict[str, Any]:
    return {
        "type": "message",
        "id": message.pk,
        "user": author(message.user),
        "message": message.message,
        "message_type": message.message_type,
        "created_at": message.created_at.isoformat(),
    }


def history(*, stream: Stream) -> Any:
    """The stream's visible chat, newest first (the ``(stream, -created_at)`` index)."""
    return (
        ChatMessage.objects.filter(stream=stream, is_deleted=False)
        .select_related("user__creator")
        .order_by("-created_at", "-id")
    )


def is_moderator(*, user: Any, stream: Stream) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return stream.creator.user_id == user.pk or user.has_perm("live.delete_chatmessage")


def kept_out(*, creator_id: int, user: Any) -> ChatBan | None:
    now = timezone.now()
    return (
        ChatBan.objects.filter(creator_id=creator_id, user=user)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .first()
    )


def may_send(*, stream: Stream, user: Any) -> None:
    """Raise ``ChatError`` when ``user`` may not write in this stream's chat now."""
    if user is None or not user.is_authenticated:
        raise ChatError("sign_in", "Sign in to chat.")
    if stream.status == StreamStatus.OFFLINE:
        raise ChatError("offline", "This broadcast has ended.")
    own = stream.creator.user_id == user.pk
    # Read now, not from the socket's cached user: a block applies to an open chat at once.
    if Creator.objects.filter(Q(is_blocked=True) | Q(is_deleted=True), user_id=user.pk).exists():
        raise ChatError("blocked", "Your channel is blocked: you cannot chat.")
    if own:
        return
    ban = kept_out(creator_id=stream.creator_id, user=user)
    if ban is not None:
        if ban.until is None:
            raise ChatError("banned", "You are banned from this channel's chat.")
        wait = int((ban.until - timezone.now()).total_seconds()) + 1
        raise ChatError("timed_out", "You are timed out of this chat.", retry_after=wait)
    if stream.who_can_message == "followers" and not follows(
        user=user, creator_id=stream.creator_id
    ):
        raise ChatError("followers_only", "Only followers of this channel can chat here.")


def _limit(*, stream: Stream, user: Any) -> None:
    """The per-user rate limit and the stream's slow mode (shared cache counters)."""
    retry_after = window_hit(
        key=f"live:chat:rate:{stream.pk}:{user.pk}",
        limit=settings.LIVE_CHAT_RATE,
        window=settings.LIVE_CHAT_RATE_SECONDS,
    )
    if retry_after is not None:
        raise ChatError("rate_limited", "You are sending too fast.", retry_after=retry_after)
    slow = stream.slow_mode_seconds
    if slow and stream.creator.user_id != user.pk:
        if not cache.add(f"live:chat:slow:{stream.pk}:{user.pk}", 1, timeout=slow):
            raise ChatError(
                "slow_mode", f"Slow mode: one message every {slow} s.", retry_after=slow
            )


def clean(text: Any) -> str:
    if not isinstance(text, str):
        raise ChatError("invalid", "A message is text.")
    text = clean_text(text, keep_newlines=False)
    if not text:
        raise ChatError("invalid", "Write something.")
    if len(text) > MAX_LENGTH:
        raise ChatError("invalid", f"At most {MAX_LENGTH} characters.")
    if HTML.search(text):
        raise ChatError("invalid", "Chat is plain text: HTML is not allowed.")
    return text


def message_post(*, stream_id: int, user: Any, text: Any) -> dict[str, Any]:
    """Write a TEXT line as ``user`` and send it to everyone on the stream. Returns the event."""
    body = clean(text)
    stream = Stream.objects.select_related("creator").filter(pk=stream_id).first()
    if stream is None:
        raise ChatError("not_found", "No such stream.")
    may_send(stream=stream, user=user)
    _limit(stream=stream, user=user)
    with transaction.atomic():
        message = ChatMessage.objects.create(stream=stream, user=user, message=body)
        Stream.objects.filter(pk=stream.pk).update(total_comments=F("total_comments") + 1)
    message.user = user
    event = message_item(message)
    broadcast(stream.public_id, event)
    return event


def system_post(*, stream: Stream, text: str) -> ChatMessage:
    """A SYSTEM line ("went live", "ended"), sent once the transaction commits."""
    message = ChatMessage.objects.create(
        stream=stream, message=text[:MAX_LENGTH], message_type=MessageType.SYSTEM
    )
    broadcast_on_commit(stream.public_id, message_item(message))
    return message


# --- moderation (each audited and idempotent) ------------------------------------------------


def message_delete(*, message: ChatMessage, actor: Any) -> bool:
    """Hide a chat line for everyone (the row stays as the moderation log)."""
    changed = ChatMessage.objects.filter(pk=message.pk, is_deleted=False).update(
        is_deleted=True, deleted_by=_user_or_none(actor)
    )
    if not changed:
        return False
    if message.message_type == MessageType.TEXT:
        Stream.objects.filter(pk=message.stream_id, total_comments__gt=0).update(
            total_comments=F("total_comments") - 1
        )
    audit_record(
        actor=actor, action="chat_message_delete", target=message,
        before={"message": message.message},
    )  # fmt: skip
    stream = Stream.objects.only("public_id").get(pk=message.stream_id)
    broadcast_on_commit(stream.public_id, {"type": "deleted", "id": message.pk})
    return True


def user_keep_out(
    *, creator: Creator, user: Any, actor: Any, seconds: int | None, reason: str = ""
) -> ChatBan:
    """Time ``user`` out of the channel's chat for ``seconds``, or ban them (``None``)."""
    if seconds is not None and not 1 <= seconds <= MAX_TIMEOUT:
        raise ChatError("invalid", f"A time-out is 1 to {MAX_TIMEOUT} seconds.")
    if user.pk == creator.user_id:
        raise ChatError("invalid", "A channel's creator cannot be kept out of its chat.")
    until = timezone.now() + timedelta(seconds=seconds) if seconds else None
    ban, _ = ChatBan.objects.update_or_create(
        creator=creator,
        user=user,
        defaults={"until": until, "reason": reason[:300], "by": _user_or_none(actor)},
    )
    audit_record(
        actor=actor,
        action="chat_ban" if until is None else "chat_timeout",
        target=ban,
        after={"user": user.pk, "until": until.isoformat() if until else None},
        reason=reason,
    )
    return ban


def user_let_in(*, creator: Creator, user_id: int, actor: Any) -> bool:
    """Lift a ban or time-out. Idempotent."""
    ban = ChatBan.objects.filter(creator=creator, user_id=user_id).first()
    if ban is None:
        return False
    audit_record(actor=actor, action="chat_unban", target=ban, before={"user": user_id})
    ban.delete()
    return True


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# --- the WebSocket's frames --------------------------------------------------------------------


def hello(*, stream: Stream, user: Any) -> dict[str, Any]:
    """What a viewer who just connected may do (the page greys out the box accordingly)."""
    try:
        may_send(stream=stream, user=user)
        refused = None
    except ChatError as err:
        refused = {"code": err.code, "message": err.message}
    return {
        "type": "hello",
        "stream": stream.public_id,
        "status": stream.status,
        "can_send": refused is None,
        "refused": refused,
        "moderator": is_moderator(user=user, stream=stream),
        "who_can_message": stream.who_can_message,
        "slow_mode_seconds": stream.slow_mode_seconds,
        "viewers": stream.current_viewers,
    }


def joined(*, user: Any) -> dict[str, Any]:
    who = author(user)
    return {
        "type": "message",
        "id": None,
        "user": None,
        "message": f"{who['name']} joined." if who else "Someone joined.",
        "message_type": MessageType.SYSTEM,
        "created_at": timezone.now().isoformat(),
    }


def _int(frame: dict[str, Any], name: str, *, maximum: int = 2**63 - 1) -> int:
    value = frame.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ChatError("invalid", f"{name!r} must be a whole number from 1 to {maximum}.")
    return value


def frame_handle(*, stream_id: int, user: Any, frame: dict[str, Any]) -> None:
    """One JSON frame from a chat socket: a message, or a moderator's action."""
    kind = frame["type"]
    if kind == "message":
        message_post(stream_id=stream_id, user=user, text=frame.get("message"))
        return
    if kind not in ("delete", "timeout", "ban", "unban"):
        raise ChatError("invalid", f"Unknown frame type {kind[:40]!r}.")
    stream = Stream.objects.select_related("creator").get(pk=stream_id)
    if not is_moderator(user=user, stream=stream):
        raise ChatError("forbidden", "Only the channel's moderators can do that.")
    if kind == "delete":
        message = ChatMessage.objects.filter(pk=_int(frame, "id"), stream=stream).first()
        if message is None:
            raise ChatError("not_found", "No such message in this chat.")
        message_delete(message=message, actor=user)
        return
    target = User.objects.filter(pk=_int(frame, "user")).first()
    if target is None:
        raise ChatError("not_found", "No such user.")
    if kind == "unban":
        user_let_in(creator=stream.creator, user_id=target.pk, actor=user)
        return
    seconds = _int(frame, "seconds", maximum=MAX_TIMEOUT) if kind == "timeout" else None
    reason = frame.get("reason") if isinstance(frame.get("reason"), str) else ""
    user_keep_out(creator=stream.creator, user=target, actor=user, seconds=seconds, reason=reason)
