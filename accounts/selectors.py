"""Reads of accounts data: for the API and the admin, and for other apps (the bot's admin
check, the wishlist notifier), which read accounts only through here."""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.db.models import CharField, Q, QuerySet, Value

from catalog.models import Title, TitleStatus
from catalog.policy import OPEN, CatalogPolicy

from .models import ReadProgress, Role, User, WatchProgress, WishlistEntry, WishlistStatus


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def history_rows(*, user: User, policy: CatalogPolicy = OPEN) -> QuerySet:
    """The "continue watching" row as one ordered queryset over both progress tables
    (``{"id", "updated_at", "kind"}`` rows, latest first), so it paginates with one COUNT and
    one page query; ``history_items`` loads a page's details."""
    watch = (
        WatchProgress.objects.filter(user=user)
        .exclude(title__status=TitleStatus.BANNED)
        .filter(policy.q("title__"))
        .annotate(kind=Value("watch", output_field=CharField()))
        .values("id", "updated_at", "kind")
    )
    read = (
        ReadProgress.objects.filter(user=user)
        .exclude(manga__status=TitleStatus.BANNED)
        .filter(policy.q("manga__"))
        .annotate(kind=Value("read", output_field=CharField()))
        .values("id", "updated_at", "kind")
    )
    return watch.union(read, all=True).order_by("-updated_at", "-id")


def watch_item(p: WatchProgress) -> dict[str, Any]:
    ep = p.episode
    return {
        "kind": "watch",
        "title": p.title.card,
        "episode": {"id": ep.id, "season": ep.season, "episode": ep.number, "name": ep.name}
        if ep
        else None,
        "position": p.position,
        "duration": p.duration,
        "updated_at": _iso(p.updated_at),
    }


def read_item(p: ReadProgress) -> dict[str, Any]:
    number = p.chapter.number
    chap = int(number) if number == number.to_integral_value() else float(number)
    return {
        "kind": "read",
        "title": p.manga.card,
        "chapter": {"id": p.chapter_id, "chap": chap, "pages": p.chapter.page_count},
        "page": p.page,
        "updated_at": _iso(p.updated_at),
    }


def progress_item(*, user: User, title: Title) -> dict[str, Any] | None:
    """Where the user is in this title (``watch_item`` / ``read_item``), or None."""
    if title.media_type == "manga":
        read = ReadProgress.objects.filter(user=user, manga=title).select_related("chapter")
        found = read.first()
        if found is None:
            return None
        found.manga = title
        return read_item(found)
    watch = WatchProgress.objects.filter(user=user, title=title).select_related("episode").first()
    if watch is None:
        return None
    watch.title = title
    return watch_item(watch)


def history_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Details for one page of ``history_rows``, in the page's order: two queries at most."""
    watch_ids = [r["id"] for r in rows if r["kind"] == "watch"]
    read_ids = [r["id"] for r in rows if r["kind"] == "read"]
    watch = (
        {
            p.id: p
            for p in WatchProgress.objects.filter(id__in=watch_ids)
            .select_related("title", "episode")
            .defer("title__document", "title__search_text")
        }
        if watch_ids
        else {}
    )
    read = (
        {
            p.id: p
            for p in ReadProgress.objects.filter(id__in=read_ids)
            .select_related("manga", "chapter")
            .defer("manga__document", "manga__search_text", "chapter__pages")
        }
        if read_ids
        else {}
    )
    items = []
    for r in rows:
        if r["kind"] == "watch" and r["id"] in watch:
            items.append(watch_item(watch[r["id"]]))
        elif r["kind"] == "read" and r["id"] in read:
            items.append(read_item(read[r["id"]]))
    return items


# --- for other apps ---------------------------------------------------------------------


def user_staff_by_telegram_id(*, telegram_id: int | None) -> User | None:
    """The admin or staff user behind a Telegram account, or None (unknown, neither, banned,
    inactive): who may use the Manager bot's admin commands."""
    if not telegram_id:
        return None
    return (
        User.objects.filter(telegram_id=telegram_id, is_active=True)
        .filter(Q(role=Role.ADMIN) | Q(is_staff=True))
        .exclude(role=Role.BANNED)
        .first()
    )


MATCH_RATIO = 0.85
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def _norm(text: str) -> tuple[str, int | None]:
    year_match = _YEAR.search(text)
    year = int(year_match.group(0)) if year_match else None
    words = sorted(w for w in _YEAR.sub(" ", text).split() if w)
    return " ".join(words), year


def request_matches(query_clean: str, title: Title) -> bool:
    q, q_year = _norm(query_clean)
    t, _ = _norm(title.clean_title)
    if not q or (q_year and title.year and q_year != title.year):
        return False
    return q == t or difflib.SequenceMatcher(None, q, t).ratio() >= MATCH_RATIO


def wishlist_matches(*, title: Title):
    """Unnotified entries for this title: saved ones, and matching open requests (a request
    chosen from TMDB by its id; a free-text one by its ``query_clean`` against the title's
    ``clean_title``, token-sorted, difflib ratio ≥ 0.85; a year in the request must equal the
    title's). Candidates are pre-filtered in SQL
    (open requests sharing a word of the title), so the scan stays bounded."""
    saved = list(WishlistEntry.objects.filter(title=title, notified_at__isnull=True)[:5000])
    words = [w for w in title.clean_title.split() if len(w) >= 3] or title.clean_title.split()
    word_q = Q()
    for w in words[:5]:
        word_q |= Q(query_clean__contains=w)
    open_requests = WishlistEntry.objects.filter(
        title__isnull=True, status=WishlistStatus.REQUESTED, notified_at__isnull=True
    )
    requests = [
        e
        for e in open_requests.filter(word_q, tmdb_id__isnull=True)[:5000]
        if request_matches(e.query_clean, title)
    ]
    if title.tmdb_id is not None:  # requests chosen from TMDB: by id, whatever their words
        requests += list(
            open_requests.filter(tmdb_id=title.tmdb_id, media_type=title.media_type)[:5000]
        )
    return saved, requests


def wishlist_requests_open(*, user: User, limit: int = 10) -> list[WishlistEntry]:
    """The user's requests for titles not in the library yet, newest first."""
    return list(
        WishlistEntry.objects.filter(
            user=user, title__isnull=True, status=WishlistStatus.REQUESTED
        ).order_by("-created_at", "-id")[:limit]
    )
