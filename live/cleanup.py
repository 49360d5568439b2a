"""The live channels' time-to-live indexes as a daily task: offline streams ``LIVE_RETENTION_DAYS``
(90) after they ended, likes and analytics 90 days after they were made, chat lines after
``LIVE_CHAT_TTL_DAYS`` when that is set (0, the default: kept). The cached totals on creators and
streams are not recomputed from what is left, so they stay right after rows expire."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import ChatMessage, Stream, StreamAnalytics, StreamLike, StreamStatus


def expired_delete() -> dict[str, int]:
    now = timezone.now()
    keep = now - timedelta(days=settings.LIVE_RETENTION_DAYS)
    gone = {
        "likes": StreamLike.objects.filter(created_at__lt=keep).delete()[0],
        "analytics": StreamAnalytics.objects.filter(created_at__lt=keep).delete()[0],
        "chat": 0,
    }
    if settings.LIVE_CHAT_TTL_DAYS > 0:
        edge = now - timedelta(days=settings.LIVE_CHAT_TTL_DAYS)
        gone["chat"] = ChatMessage.objects.filter(created_at__lt=edge).delete()[0]
    old = Stream.objects.filter(status=StreamStatus.OFFLINE, ended_at__lt=keep)
    gone["streams"] = old.delete()[1].get("live.Stream", 0)
    return gone
