"""Reads for the live API and pages: the live channels' query patterns, each on the index it names.

| feed | query | index |
|---|---|---|
| live now | status = live, newest start first | (status, -started_at) |
| a category | category, status = live | (category, status) |
| following | the creators a user follows, live first | (creator, status) |
| trending | most views | (-total_views) |
| latest | newest first | (-created_at) |
| scheduled | status = scheduled, soonest first | (status, -started_at) |
| a creator's streams | creator, newest first | (creator, status) |

Listed streams are public, not taken down, of a channel that is neither deleted nor blocked;
an unlisted (``is_public = False``) stream is still reachable by its id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from catalog.models import TitleStatus

from .images import image_url
from .models import (
    Category,
    Creator,
    Follow,
    Stream,
    StreamAnalytics,
    StreamLike,
    StreamReport,
    StreamStatus,
)

FEEDS = ("live", "trending", "latest", "scheduled")


def visible_streams() -> QuerySet[Stream]:
    return Stream.objects.filter(
        is_taken_down=False, creator__is_deleted=False, creator__is_blocked=False
    ).select_related("creator", "category", "recording")


def stream_visible(public_id: str) -> Stream | None:
    return visible_streams().filter(public_id=public_id).first()


def listed_streams() -> QuerySet[Stream]:
    return visible_streams().filter(is_public=True)


def feed(
    *, name: str, category_id: int | None = None, hide_mature: bool = False
) -> QuerySet[Stream]:
    streams = listed_streams()
    if hide_mature:
        streams = streams.filter(is_mature=False)
    if category_id is not None:
        streams = streams.filter(category_id=category_id)
    if name == "live":
        return streams.filter(status=StreamStatus.LIVE).order_by("-started_at", "-id")
    if name == "scheduled":
        return streams.filter(status=StreamStatus.SCHEDULED).order_by("scheduled_at", "id")
    if name == "trending":
        return streams.exclude(status=StreamStatus.SCHEDULED).order_by("-total_views", "-id")
    return streams.order_by("-created_at", "-id")


def following_feed(*, user: Any, hide_mature: bool = False) -> QuerySet[Stream]:
    """Streams of the channels ``user`` follows: live ones first, then the newest."""
    followed = Follow.objects.filter(follower=user).values("creator_id")
    streams = listed_streams().filter(creator_id__in=followed)
    if hide_mature:
        streams = streams.filter(is_mature=False)
    return streams.order_by("status", "-started_at", "-created_at", "-id")  # live < offline


def creator_visible(creator_id: int) -> Creator | None:
    if not 0 < creator_id < 2**63:
        return None
    return Creator.objects.filter(pk=creator_id, is_deleted=False, is_blocked=False).first()


def creator_streams(*, creator: Creator, hide_mature: bool = False) -> QuerySet[Stream]:
    streams = listed_streams().filter(creator=creator)
    if hide_mature:
        streams = streams.filter(is_mature=False)
    return streams.order_by("-created_at", "-id")


def categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("name")


def category_item(category: Category | None) -> dict[str, Any] | None:
    if category is None:
        return None
    return {
        "id": category.pk,
        "name": category.name,
        "image": image_url(category.image),
        "cover_photo": image_url(category.cover_photo),
    }


def creator_item(creator: Creator, *, is_live: bool | None = None) -> dict[str, Any]:
    item = {
        "id": creator.pk,
        "channel_name": creator.channel_name,
        "description": creator.description,
        "profile_photo": image_url(creator.profile_photo),
        "cover_photo": image_url(creator.cover_photo),
        "social_accounts": creator.social_accounts,
        "total_followers": creator.total_followers,
        "total_streams": creator.total_streams,
        "total_stream_views": creator.total_stream_views,
        "total_likes": creator.total_likes,
        "created_at": creator.created_at.isoformat(),
    }
    if is_live is not None:
        item["is_live"] = is_live
    return item


def playback_url(stream: Stream) -> str | None:
    """Where a player reads the stream: the HLS playlist while live, else the recording's
    page once its title is available (the live channels' ``playbackUrl``/``recordingUrl``)."""
    if stream.status == StreamStatus.LIVE:
        return reverse("live-hls", args=[f"{stream.public_id}.m3u8"])
    return None


def recording_url(stream: Stream) -> str | None:
    title = stream.recording
    if title is None or title.status != TitleStatus.AVAILABLE:
        return None
    return reverse("web-title", args=[title.short_id])


def stream_item(stream: Stream) -> dict[str, Any]:
    return {
        "id": stream.public_id,
        "title": stream.title,
        "description": stream.description,
        "status": stream.status,
        "is_public": stream.is_public,
        "is_mature": stream.is_mature,
        "is_reported": stream.is_reported,
        "who_can_message": stream.who_can_message,
        "slow_mode_seconds": stream.slow_mode_seconds,
        "thumbnail": image_url(stream.thumbnail),
        "category": category_item(stream.category),
        "creator": {
            "id": stream.creator_id,
            "channel_name": stream.creator.channel_name,
            "profile_photo": image_url(stream.creator.profile_photo),
        },
        "started_at": stream.started_at.isoformat() if stream.started_at else None,
        "ended_at": stream.ended_at.isoformat() if stream.ended_at else None,
        "scheduled_at": stream.scheduled_at.isoformat() if stream.scheduled_at else None,
        "duration_seconds": stream.duration_seconds,
        "current_viewers": stream.current_viewers,
        "peak_viewers": stream.peak_viewers,
        "total_views": stream.total_views,
        "total_likes": stream.total_likes,
        "total_shares": stream.total_shares,
        "total_comments": stream.total_comments,
        "playback_url": playback_url(stream),
        "recording_url": recording_url(stream),
        "created_at": stream.created_at.isoformat(),
    }


def follows(*, user: Any, creator_id: int) -> bool:
    """Whether ``user`` (maybe anonymous) follows the channel."""
    if user is None or not user.is_authenticated:
        return False
    return Follow.objects.filter(follower=user, creator_id=creator_id).exists()


def viewer_state(*, user: Any, stream: Stream) -> dict[str, bool]:
    """Whether the signed-in viewer likes this stream, follows its channel, has reported it."""
    if user is None or not user.is_authenticated:
        return {"liked_by_me": False, "following": False, "reported_by_me": False}
    return {
        "liked_by_me": StreamLike.objects.filter(user=user, stream=stream).exists(),
        "following": follows(user=user, creator_id=stream.creator_id),
        "reported_by_me": StreamReport.objects.filter(reported_by=user, stream=stream).exists(),
    }


def is_live(creator: Creator) -> bool:
    return creator.streams.filter(status=StreamStatus.LIVE).exists()


def creator_daily(*, creator: Creator, days: int = 30) -> list[dict[str, Any]]:
    """A channel's broadcasts per day for its admin dashboard, oldest first, zero-filled: views,
    peak viewers, hours watched and shares of the broadcasts that ended that day (their
    analytics rows; one query on the (creator, -created_at) index)."""
    end = timezone.localdate()
    start = end - timedelta(days=days - 1)
    rows = {
        row["day"]: row
        for row in StreamAnalytics.objects.filter(creator=creator, created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            broadcasts=Count("id"),
            views=Sum("view_count"),
            peak=Max("peak_concurrent_viewers"),
            seconds=Sum("watch_duration"),
            shares=Sum("shares"),
        )
    }
    series = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        row = rows.get(day, {})
        series.append(
            {
                "day": day,
                "broadcasts": row.get("broadcasts", 0),
                "views": row.get("views") or 0,
                "peak": row.get("peak") or 0,
                "hours": round((row.get("seconds") or 0) / 3600),
                "shares": row.get("shares") or 0,
            }
        )
    return series
