"""Wishlist notifier (seed 002): when a title is published, every user who saved it or asked
for it (a free-text request that fuzzily matches) gets one DM from the Manager bot, and their
entries are marked notified.

Matching a request: its ``query_clean`` against the title's ``clean_title`` (and original TMDB
name), token-sorted, difflib ratio ≥ 0.85; a year in the request must equal the title's.
Candidates are pre-filtered in SQL (open requests sharing a word of the title), so the scan
stays bounded.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from accounts.models import WishlistEntry, WishlistStatus
from accounts.services.library import wishlist_request_fulfil
from catalog.models import Title
from jobs.engine import JobContext
from swarm.telegram.runtime import bot_send

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
    """Unnotified entries for this title: saved ones, and matching open requests."""

    saved = list(WishlistEntry.objects.filter(title=title, notified_at__isnull=True)[:5000])
    words = [w for w in title.clean_title.split() if len(w) >= 3] or title.clean_title.split()
    word_q = Q()
    for w in words[:5]:
        word_q |= Q(query_clean__contains=w)
    requests = [
        e
        for e in WishlistEntry.objects.filter(
            word_q, title__isnull=True, status=WishlistStatus.REQUESTED, notified_at__isnull=True
        )[:5000]
        if request_matches(e.query_clean, title)
    ]
    return saved, requests


def wishlist_notify_run(ctx: JobContext) -> dict:

    title = Title.objects.filter(pk=ctx.payload["title_id"]).first()
    if title is None:
        return {"skipped": "title gone"}
    saved, requests = wishlist_matches(title=title)
    by_user: dict[int, list] = defaultdict(list)
    for entry in [*saved, *requests]:
        by_user[entry.user_id].append(entry)
    done: list[int] = ctx.state.setdefault("notified_users", [])
    users = get_user_model().objects.in_bulk(list(by_user))
    link = f"{settings.SITE_URL.rstrip('/')}/title/{title.short_id}"
    text = f"✅ {title} is now on StreamVault: {link}"
    sent = 0
    for user_id, entries in sorted(by_user.items()):
        if user_id in done:
            continue
        user = users.get(user_id)
        telegram_id = getattr(user, "telegram_id", None)
        if telegram_id:
            bot_send(chat_id=telegram_id, text=text)
            sent += 1
        now = timezone.now()
        for entry in entries:
            if entry.title_id is None:
                wishlist_request_fulfil(entry=entry, title=title, notified=True)
            else:
                WishlistEntry.objects.filter(pk=entry.pk, notified_at__isnull=True).update(
                    notified_at=now
                )
        done.append(user_id)
        ctx.save_state()
    return {"users": len(by_user), "messages": sent}
