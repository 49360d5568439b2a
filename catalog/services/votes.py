"""Intro-timing votes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import (
    Episode,
    IntroVote,
    Title,
)
from .readmodel import title_refresh


@transaction.atomic
def intro_vote_cast(
    *, title: Title, user: Any, start: int, end: int, episode: Episode | None = None
) -> IntroVote:
    """One vote per user per title (or episode); voting again moves the vote."""
    if end <= start:
        raise ValidationError({"end": "The intro must end after it starts."})
    vote, _ = IntroVote.objects.update_or_create(
        title=title, episode=episode, user=user, defaults={"start": start, "end": end}
    )
    title_refresh(title)
    return vote
