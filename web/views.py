"""The site's pages: each reads through the apps' selectors (one document, a few card rows) and
renders a template; what a visitor does on a page (play, read, comment, save) goes through the
API from the page's JavaScript."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.selectors import history_items, history_rows
from catalog.policy import policy_of
from catalog.selectors import public_titles, title_cards, title_document_bytes, title_search
from core.avatars import avatar_svg
from live import selectors as live_selectors

from .playback import episode_after, files_for, player_context

HOME_GENRES = ("action", "animation", "drama", "comedy")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _document(request: HttpRequest, short_id: str) -> dict[str, Any]:
    body = title_document_bytes(short_id, policy=policy_of(request))
    if body is None:
        raise Http404("No title with this id.")
    return json.loads(body)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    policy = policy_of(request)
    rows = [
        ("Newly added", title_cards(policy=policy, order="-created_at")),
        ("Top rated", title_cards(policy=policy, order="-rating")),
    ]
    if watched := title_cards(policy=policy, order="-views", watched_only=True):
        rows.insert(1, ("Most watched", watched))
    rows += [
        (slug.capitalize(), cards)
        for slug in HOME_GENRES
        if (cards := title_cards(policy=policy, genre=slug, order="-rating"))
    ]
    watching: list[dict[str, Any]] = []
    live_now: list[dict[str, Any]] = []
    if request.user.is_authenticated:
        watching = history_items(list(history_rows(user=request.user, policy=policy)[:12]))
        # The web side of "a channel you follow went live" (the bot DMs Telegram users).
        following = live_selectors.following_feed(user=request.user)
        live_now = [live_selectors.stream_item(s) for s in following.filter(status="live")[:12]]
    context = {"rows": rows, "watching": watching, "live_now": live_now}
    return render(request, "web/home.html", context)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Results without JavaScript (the search box answers as you type with the API)."""
    query = request.GET.get("q", "").strip()[:200].replace("\x00", "")
    cards: list[dict] = []
    if query:
        titles = public_titles().filter(policy_of(request).q())
        cards = list(title_search(titles, query).values_list("card", flat=True)[:40])
    return render(request, "web/search.html", {"query": query, "cards": cards})


@require_safe
def title(request: HttpRequest, short_id: str) -> HttpResponse:
    doc = _document(request, short_id)
    return render(request, "web/title.html", {"doc": doc, "files": files_for(doc)})


@require_safe
def watch(request: HttpRequest, short_id: str) -> HttpResponse:
    doc = _document(request, short_id)
    if doc["media_type"] == "manga":
        raise Http404("A manga is read, not watched.")
    context = player_context(doc, request.GET)
    if context is None:
        raise Http404("Nothing to play here.")
    context["next"] = episode_after(doc, context.get("season"), context.get("episode"))
    return render(request, "web/watch.html", context)


@require_safe
def read(request: HttpRequest, short_id: str, chapter_id: int) -> HttpResponse:
    doc = _document(request, short_id)
    chapters = doc.get("chapters") or []
    at = next((n for n, ch in enumerate(chapters) if ch["id"] == chapter_id), None)
    if at is None:
        raise Http404("This title has no such chapter.")
    number = chapters[at]["chap"]
    pack = next(
        (p for p in doc.get("chapter_packs") or [] if number in (p.get("chapters") or [])), None
    )
    context = {
        "doc": doc,
        "pack": pack,
        "chapter": chapters[at],
        "next": chapters[at + 1] if at + 1 < len(chapters) else None,
        "previous": chapters[at - 1] if at > 0 else None,
    }
    return render(request, "web/read.html", context)


@require_safe
def account(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/account.html", {"telegram_bot": settings.TELEGRAM_LOGIN_BOT_USERNAME}
    )


@require_safe
def site_css(request: HttpRequest) -> HttpResponse:
    """The site's brand as CSS variables (a stylesheet, so pages need no inline style)."""
    site = getattr(request, "site", None)
    color = site.primary_color if site is not None and _COLOR.match(site.primary_color) else ""
    body = f":root {{ --primary: {color or '#e50914'}; }}\n"
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Vary"] = "Host"
    return response


@require_safe
def avatar(request: HttpRequest, seed: str) -> HttpResponse:
    """A member's avatar from their ``avatar_seed`` (drawn here; the same seed, the same
    picture, so it is cached for a year)."""
    try:
        body = avatar_svg(seed)
    except ValueError:
        raise Http404("No such avatar.") from None
    response = HttpResponse(body, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
