"""A user's own library: watch and read progress, and the wishlist (titles and free-text
requests for titles not in the library yet)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from catalog import plays
from catalog.models import Chapter, Episode, MediaFile, MediaType, Title, TitleStatus
from catalog.text import clean_title

from ..errors import AccountsError, wrong_title_kind
from ..models import ReadProgress, User, WatchProgress, WishlistEntry, WishlistStatus


@dataclass(frozen=True)
class ProgressResult:
    kept: bool
    reason: str  # "kept" | "too_short" | "not_started" | "finished"
    watch: WatchProgress | None = None
    read: ReadProgress | None = None


def _field_error(field: str, message: str, code: str = "invalid") -> AccountsError:
    return AccountsError(code, message, fields={field: [message]})


def _known_duration(title: Title, episode: Episode | None) -> int | None:
    files = MediaFile.objects.filter(title=title, episode=episode, duration__isnull=False)
    longest = files.aggregate(d=Max("duration"))["d"]
    return int(longest) if longest else None


def _next_episode(episode: Episode) -> Episode | None:
    return (
        Episode.objects.filter(series_id=episode.series_id, season=episode.season)
        .filter(number__gt=episode.number)
        .order_by("number")
        .first()
        or Episode.objects.filter(series_id=episode.series_id, season__gt=episode.season)
        .order_by("season", "number")
        .first()
    )


def _save_watch(
    user: User, title: Title, episode: Episode | None, position: int, duration: int | None
) -> WatchProgress:
    progress, _ = WatchProgress.objects.update_or_create(
        user=user,
        title=title,
        defaults={
            "episode": episode,
            "position": position,
            "duration": duration,
            "updated_at": timezone.now(),
        },
    )
    return progress


def watch_progress_save(
    *,
    user: User,
    title: Title,
    position: int,
    season: int | None = None,
    episode_number: int | None = None,
    duration: int | None = None,
) -> ProgressResult:
    """Keep a video position only for items of WATCH_MIN_DURATION seconds or more and between
    WATCH_MIN_PERCENT and WATCH_MAX_PERCENT of the duration (the file's probed duration; the
    client's only when no file was probed). Before the window the item is not in progress; past
    it, a movie is finished (dropped from "continue watching") and a series moves on to the
    next episode at 0."""
    if title.media_type == MediaType.MANGA:
        raise wrong_title_kind("This title is a manga: send chapter and page.")
    episode = None
    if title.media_type == MediaType.SERIES:
        if season is None or episode_number is None:
            raise wrong_title_kind("This title is a series: send season and episode.")
        episode = Episode.objects.filter(series=title, season=season, number=episode_number).first()
        if episode is None:
            raise AccountsError("not_found", "No such episode.", status=404)
    length = _known_duration(title, episode) or duration
    if not length:
        raise wrong_title_kind("The duration is unknown; send it in seconds.")
    position = min(position, length)  # a player's last report can overshoot the end a little
    if position >= plays.threshold(length):
        plays.play_record(title_id=title.pk, visitor_id=user.pk)
    if length < settings.WATCH_MIN_DURATION:
        return ProgressResult(kept=False, reason="too_short")
    percent = 100 * position / length
    if percent < settings.WATCH_MIN_PERCENT:
        if episode is None:
            WatchProgress.objects.filter(user=user, title=title).delete()
            return ProgressResult(kept=False, reason="not_started")
        # The user is on this episode even if nothing of it is worth resuming yet.
        return ProgressResult(
            kept=False, reason="not_started", watch=_save_watch(user, title, episode, 0, length)
        )
    if percent > settings.WATCH_MAX_PERCENT:
        following = _next_episode(episode) if episode else None
        if following is None:
            WatchProgress.objects.filter(user=user, title=title).delete()
            return ProgressResult(kept=False, reason="finished")
        return ProgressResult(
            kept=False,
            reason="finished",
            watch=_save_watch(user, title, following, 0, _known_duration(title, following)),
        )
    return ProgressResult(
        kept=True, reason="kept", watch=_save_watch(user, title, episode, position, length)
    )


def read_progress_save(
    *, user: User, manga: Title, chapter_number: Decimal, page: int
) -> ProgressResult:
    if manga.media_type != MediaType.MANGA:
        raise wrong_title_kind("Only manga have chapters.")
    chapter = Chapter.objects.filter(manga=manga, number=chapter_number).first()
    if chapter is None:
        raise AccountsError("not_found", "No such chapter.", status=404)
    if page < 1 or (chapter.page_count and page > chapter.page_count):
        raise AccountsError("not_found", f"Pages run from 1 to {chapter.page_count}.", status=404)
    if page >= 2 or chapter.page_count == 1:  # read past the first page: a read
        plays.play_record(title_id=manga.pk, visitor_id=user.pk)
    progress, _ = ReadProgress.objects.update_or_create(
        user=user,
        manga=manga,
        defaults={"chapter": chapter, "page": page, "updated_at": timezone.now()},
    )
    return ProgressResult(kept=True, reason="kept", read=progress)


def _public(title: Title) -> bool:
    return title.status != TitleStatus.BANNED


def wishlist_add(
    *,
    user: User,
    title: Title | None = None,
    query: str = "",
    tmdb_id: int | None = None,
    media_type: str = "",
) -> tuple[WishlistEntry, bool]:
    """Save a title, or a request (status requested) for one the library does not have: free
    text, or a TMDB candidate (``tmdb_id`` + ``media_type``, matched by id when it arrives).
    A request naming exactly one library title saves that title instead. Returns the entry and
    whether it is new; adding twice is not an error."""
    if title is None and tmdb_id is not None:
        title = Title.objects.filter(media_type=media_type, tmdb_id=tmdb_id).first()
    query = query.strip()
    if title is None:
        if not query:
            raise _field_error("query", "Name the title you want.")
        cleaned = clean_title(query)
        matches = (
            list(Title.objects.exclude(status=TitleStatus.BANNED).filter(clean_title=cleaned)[:2])
            if cleaned
            else []
        )
        if len(matches) == 1:
            title = matches[0]
    if title is not None:
        if not _public(title):
            raise AccountsError("not_found", "No title with this id.", status=404)
        lookup: dict = {"user": user, "title": title}
        defaults: dict = {"status": WishlistStatus.AVAILABLE, "query": query[:200]}
    else:
        # A name in a script clean_title drops (千と千尋) is kept by its case-folded words.
        key = clean_title(query) or " ".join(query.casefold().split())
        lookup = {"user": user, "title": None, "query_clean": key[:200]}
        defaults = {
            "status": WishlistStatus.REQUESTED,
            "query": query[:200],
            "tmdb_id": tmdb_id,
            "media_type": media_type if tmdb_id is not None else "",
        }
    try:
        with transaction.atomic():
            return WishlistEntry.objects.get_or_create(**lookup, defaults=defaults)
    except IntegrityError:  # a concurrent add of the same thing
        return WishlistEntry.objects.get(**lookup), False


def wishlist_remove(*, user: User, entry_id: int | None = None, title: Title | None = None) -> int:
    entries = WishlistEntry.objects.filter(user=user)
    if entry_id is not None:
        entries = entries.filter(pk=entry_id)
    elif title is not None:
        entries = entries.filter(title=title)
    else:
        return 0
    return entries.delete()[0]


def wishlist_request_fulfil(*, entry: WishlistEntry, title: Title, notified: bool = True) -> bool:
    """For the wishlist notifier: a request's title arrived. Idempotent (False when the entry
    was already fulfilled); the user's own entry for the same title wins over a duplicate."""
    now = timezone.now()
    with transaction.atomic():
        if WishlistEntry.objects.filter(user_id=entry.user_id, title=title).exists():
            return bool(
                WishlistEntry.objects.filter(pk=entry.pk, status=WishlistStatus.REQUESTED).delete()[
                    0
                ]
            )
        updated = WishlistEntry.objects.filter(pk=entry.pk, status=WishlistStatus.REQUESTED).update(
            title=title,
            status=WishlistStatus.AVAILABLE,
            notified_at=now if notified else None,
        )
    return bool(updated)


def wishlist_entry_notified(*, entry: WishlistEntry, at: datetime.datetime | None = None) -> bool:
    """The user was told their saved title arrived (idempotent: False when already marked)."""
    updated = WishlistEntry.objects.filter(pk=entry.pk, notified_at__isnull=True).update(
        notified_at=at or timezone.now()
    )
    return bool(updated)
