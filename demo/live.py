"""The live demo: categories, a demo channel with a scheduled broadcast, and the site's privacy
and terms pages. ``manage.py live_demo`` then goes live on that channel with ffmpeg as the
encoder (a real RTMP publish to nginx-rtmp, which ``scripts/dev.sh`` runs). Safe to run twice."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from live import studio
from live.models import Category, Creator, CreatorStatus, PageSettings, StreamStatus

CATEGORIES = ("Just Chatting", "Music", "Games", "Creative")
CHANNEL = "StreamVault Demo"


def live_load(stdout: Any) -> Creator:
    for name in CATEGORIES:
        Category.objects.get_or_create(name=name, defaults={"image": ""})
    user, _ = get_user_model().objects.get_or_create(
        username="demo-creator", defaults={"first_name": "Demo", "kind": "telegram"}
    )
    creator, made = Creator.objects.get_or_create(
        user=user,
        defaults={
            "channel_name": CHANNEL,
            "description": "Colour bars and a clock, live.",
            "status": CreatorStatus.ACTIVE,  # the demo's own channel needs no moderator
        },
    )
    if made:
        studio.stream_schedule(
            creator=creator,
            title="Colour bars, live",
            description="A test card with the time on it: the delay is what you see.",
            category_id=Category.objects.get(name="Creative").pk,
            scheduled_at=timezone.now() + datetime.timedelta(days=1),
        )
    if not creator.streams.filter(status=StreamStatus.SCHEDULED).exists():
        studio.stream_schedule(creator=creator, title="Colour bars, live")
    if not PageSettings.objects.exists():
        PageSettings.objects.create(
            privacy_policy="The demo keeps what you do on this machine only.",
            terms_and_conditions="Be kind in the chat.",
        )
    stdout.write(f"live: {len(CATEGORIES)} categories, the channel {CHANNEL!r}")
    return creator
