"""Intro timings: the viewers' votes, and an editor's pin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from core.audit import audit_record

from ..models import (
    Episode,
    FileStatus,
    IntroVote,
    MediaFile,
    MediaType,
    Title,
    intro_pin_errors,
)
from .readmodel import title_refresh


def _duration(title: Title, episode: Episode | None) -> float | None:
    files = MediaFile.objects.filter(title=title, episode=episode, status=FileStatus.ACTIVE)
    return files.aggregate(longest=Max("duration"))["longest"]


@transaction.atomic
def intro_vote_cast(
    *, title: Title, user: Any, start: int, end: int, episode: Episode | None = None
) -> IntroVote:
    """One vote per user per title (or episode); voting again moves the vote. ValidationError:
    a manga, an intro that ends before it starts, is longer than INTRO_MAX_SECONDS or ends
    after the video."""
    if title.media_type == MediaType.MANGA:
        raise ValidationError({"start": "A manga has no intro."})
    if end <= start:
        raise ValidationError({"end": "The intro must end after it starts."})
    if end - start > settings.INTRO_MAX_SECONDS:
        raise ValidationError({"end": f"An intro is at most {settings.INTRO_MAX_SECONDS} s long."})
    duration = _duration(title, episode)
    if duration and end > duration:
        raise ValidationError({"end": f"The video is {int(duration)} s long."})
    vote, _ = IntroVote.objects.update_or_create(
        title=title, episode=episode, user=user, defaults={"start": start, "end": end}
    )
    title_refresh(title)
    return vote


@transaction.atomic
def intro_vote_withdraw(*, title: Title, user: Any, episode: Episode | None = None) -> bool:
    removed, _ = IntroVote.objects.filter(title=title, episode=episode, user=user).delete()
    if removed:
        title_refresh(title)
    return bool(removed)


@transaction.atomic
def intro_pin(
    *, title: Title, actor: Any, start: int | None, end: int | None, episode: Episode | None = None
) -> bool:
    """An editor pins the intro of a title or an episode (None, None: unpin, the viewers'
    median is published again). Audited; False when nothing changed."""
    errors = intro_pin_errors(start, end)
    if errors:
        raise ValidationError(errors)
    row = episode if episode is not None else title
    stored = type(row).objects.filter(pk=row.pk).values("intro_start", "intro_end").get()
    before = dict(stored)  # not the form's copy
    if before == {"intro_start": start, "intro_end": end}:
        return False
    type(row).objects.filter(pk=row.pk).update(intro_start=start, intro_end=end)
    row.intro_start, row.intro_end = start, end
    audit_record(
        actor=actor,
        action="intro_pin",
        target=row,
        before=before,
        after={"intro_start": start, "intro_end": end},  # the fields, as the admin's forms
    )
    title_refresh(title)
    return True
