"""A creator's own channel and streams (the dashboard and ``/api/live/studio/``), as
keyword-only services. Rules live here; the API only checks JSON types."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.text import HTML, clean_text

from .models import Category, Creator, Stream, StreamStatus

MAX_SCHEDULED = 20
SOCIAL_MAX = 10


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    text = clean_text(value)
    if required and not text:
        raise ValidationError({field: "Write something."})
    if len(text) > max_length:
        raise ValidationError({field: f"At most {max_length} characters."})
    if HTML.search(text):
        raise ValidationError({field: "Plain text: HTML is not allowed."})
    return text


# A social link: http(s) only (a "javascript:" link would run in the viewer's page).
LINK_PATTERN = r"^https?://[^\s/?#<>\"]+(?:[/?#][^\s<>\"]*)?$"


def _link(url: object) -> str:
    if not isinstance(url, str) or len(url) > 200 or not re.match(LINK_PATTERN, url):
        raise ValidationError({"social_accounts": "Each link is an http(s) URL."})
    return url


def creator_update(
    *, creator: Creator, description: str | None = None, social_accounts: list | None = None
) -> Creator:
    """The channel's description and social links (``[{"platform", "url"}]``)."""
    fields = []
    if description is not None:
        creator.description = _text(description, field="description", max_length=2000)
        fields.append("description")
    if social_accounts is not None:
        if len(social_accounts) > SOCIAL_MAX:
            raise ValidationError({"social_accounts": f"At most {SOCIAL_MAX} links."})
        creator.social_accounts = [
            {"platform": _text(a["platform"], field="social_accounts", max_length=40,
                               required=True), "url": _link(a["url"])}
            for a in social_accounts
        ]  # fmt: skip
        fields.append("social_accounts")
    if fields:
        creator.save(update_fields=[*fields, "updated_at"])
    return creator


def _category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id, is_active=True).first()
    if category is None:
        raise ValidationError({"category": ValidationError("No such category.", code="not_found")})
    return category


def _when(scheduled_at: datetime | None) -> datetime | None:
    if scheduled_at is None:
        return None
    now = timezone.now()
    if not now < scheduled_at < now + timedelta(days=365):
        raise ValidationError(
            {"scheduled_at": ValidationError("A time within the next year.", code="conflict")}
        )
    return scheduled_at


def stream_schedule(
    *,
    creator: Creator,
    title: str,
    description: str = "",
    category_id: int | None = None,
    scheduled_at: datetime | None = None,
    **options: Any,
) -> Stream:
    """A stream the channel will go live with: the next ``on_publish`` of its key starts the
    earliest scheduled one (listed in the "scheduled" feed before it starts)."""
    if creator.is_blocked or creator.is_deleted:
        raise ValidationError(
            {"creator": ValidationError("This channel may not go live.", code="forbidden")}
        )
    if creator.streams.filter(status=StreamStatus.SCHEDULED).count() >= MAX_SCHEDULED:
        raise ValidationError(
            {"scheduled_at": ValidationError(f"At most {MAX_SCHEDULED} scheduled streams.",
                                             code="conflict")}
        )  # fmt: skip
    return Stream.objects.create(
        creator=creator,
        title=_text(title, field="title", max_length=200, required=True),
        description=_text(description, field="description", max_length=5000),
        category=_category(category_id),
        scheduled_at=_when(scheduled_at),
        status=StreamStatus.SCHEDULED,
        **options,
    )


def stream_update(*, stream: Stream, **changes: Any) -> Stream:
    """Edit one of the channel's streams (title, description, category, schedule, chat and
    visibility settings); a live stream's chat hears about the new settings."""
    if "title" in changes:
        changes["title"] = _text(changes["title"], field="title", max_length=200, required=True)
    if "description" in changes:
        changes["description"] = _text(changes["description"], field="description", max_length=5000)
    if "category_id" in changes:
        changes["category"] = _category(changes.pop("category_id"))
    if "scheduled_at" in changes:
        if stream.status != StreamStatus.SCHEDULED:
            raise ValidationError(
                {"scheduled_at": ValidationError(
                    "Only a scheduled stream has a start time.", code="conflict")}
            )  # fmt: skip
        changes["scheduled_at"] = _when(changes["scheduled_at"])
    for name, value in changes.items():
        setattr(stream, name, value)
    if changes:
        stream.save(update_fields=[*(n for n in changes), "updated_at"])
    return stream
