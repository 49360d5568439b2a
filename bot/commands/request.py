"""/request <name or TMDB link>, /requests: ask for a title. The catalog is searched first
(typo-tolerant: "already here", with links); then TMDB, through the metadata hoarder
(``ingest.tmdb.tmdb_candidates``), offers up to 5 candidates as buttons; the choice is a
wishlist request, and when the title arrives (by any path) the requester gets one DM
(``ingest.wishlist``). /requests lists the open ones, each with a cancel button."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from pyrogram import enums, filters

from accounts import services as accounts
from accounts.selectors import wishlist_requests_open
from bot.titles import title_line
from bot.ui import (
    BANNED,
    EXPIRED,
    PRIVATE_ONLY,
    answer,
    button,
    button_expired,
    callback_args,
    edit,
    keyboard,
    reply,
    site_url,
    url_button,
)
from catalog.models import Title
from catalog.selectors import public_titles, title_by_reference, title_search
from ingest.tmdb import (
    TmdbCandidate,
    TmdbError,
    tmdb_candidate,
    tmdb_candidates,
    tmdb_link_candidate,
)
from jobs.engine import TransientError

USAGE = "/request <title, e.g. Dune 2021 — or a TMDB link>"
KINDS = {"m": "movie", "s": "series"}


def _user(sender: Any) -> Any:
    return accounts.user_register_telegram(
        telegram_id=sender.id, first_name=sender.first_name or ""
    )


def _search(query: str) -> tuple[list[Title], list[TmdbCandidate], str]:
    """Library matches, TMDB candidates not in the library, and a note when TMDB could not
    be asked."""
    # A link to one of our titles or to TMDB names it; a bare number ("1917") is a name here.
    named = title_by_reference(query) if "/" in query else None
    if named is not None and named.status != "banned":
        return [named], [], ""
    try:
        linked = tmdb_link_candidate(query)
        if linked is not None:  # a TMDB link not in the library: that one title
            return [], [linked], ""
        here = list(title_search(public_titles(), query)[:3])
        found = tmdb_candidates(query=query)
    except (TransientError, TmdbError):
        here = list(title_search(public_titles(), query)[:3])
        return here, [], "TMDB is not reachable right now."
    # A candidate the library already has is shown as "already here", not offered.
    in_library = list(public_titles().filter(tmdb_id__in=[c.tmdb_id for c in found]).order_by("id"))
    known = {(t.media_type, t.tmdb_id) for t in in_library}
    here += [t for t in in_library if t.pk not in {h.pk for h in here}]
    return here[:5], [c for c in found if (c.media_type, c.tmdb_id) not in known], ""


def _save_text(user: Any, query: str) -> tuple[Any, bool]:
    return accounts.wishlist_add(user=user, query=query)


async def on_request(client: Any, message: Any) -> None:
    if message.chat.type != enums.ChatType.PRIVATE:
        await reply(message, PRIVATE_ONLY)
        return
    user = await sync_to_async(_user)(message.from_user)
    if user.is_banned:
        await reply(message, BANNED)
        return
    query = " ".join((message.command or [])[1:]).strip()[:200]
    if not query:
        await reply(message, f"Usage: {USAGE}")
        return
    here, candidates, note = await sync_to_async(_search)(query)
    rows = [
        [url_button(f"▶ {t.title} ({t.year or '?'})", site_url(f"/title/{t.short_id}"))]
        for t in here
    ]
    rows += [[button(c.label[:60], "rq", c.media_type[0], c.tmdb_id)] for c in candidates]
    if not here and not candidates:
        entry, created = await sync_to_async(_save_text)(user, query)
        saved = "Saved" if created else "You already asked for"
        parts = [f"📝 {saved} “{entry.query}”.", note, "I will message you when it arrives."]
        await reply(message, " ".join(p for p in parts if p))
        return
    lines = ["Already here:"] if here else []
    if candidates:
        lines.append("Pick the one you want and I will tell you when it arrives:")
    await reply(message, "\n".join(lines), keyboard(*rows))


def _pick(sender: Any, kind: str, tmdb_id: int) -> tuple[Any, str]:
    user = _user(sender)
    if user.is_banned:
        return None, BANNED
    candidate = tmdb_candidate(media_type=kind, tmdb_id=tmdb_id)
    if candidate is None:
        return None, "TMDB does not know that title any more; send /request again."
    entry, created = accounts.wishlist_add(
        user=user,
        query=f"{candidate.title} {candidate.year or ''}".strip(),
        tmdb_id=candidate.tmdb_id,
        media_type=candidate.media_type,
    )
    if entry.title_id is not None:
        link = site_url(f"/title/{entry.title.short_id}")
        return entry, f"Already here: {title_line(entry.title)}\n{link}"
    if not created:
        return entry, f"You already asked for {candidate.label}. I will tell you when it arrives."
    return entry, (
        f"📝 Requested {candidate.label}. I will message you when it arrives.\n"
        "/requests lists yours."
    )


async def on_pick(client: Any, query: Any) -> None:
    if button_expired(query):
        await answer(query, EXPIRED, alert=True)
        return
    kind, tmdb_id = callback_args(query, 2)
    if kind not in KINDS or not tmdb_id.isdigit():
        await answer(query, "That button is broken; send /request again.")
        return
    try:
        _, text = await sync_to_async(_pick)(query.from_user, KINDS[kind], int(tmdb_id))
    except (TransientError, TmdbError):
        await answer(query, "TMDB is not reachable right now; try again in a minute.", alert=True)
        return
    await answer(query, text.split("\n")[0][:200])
    if text != BANNED:
        await edit(query, text)


def _open(sender: Any) -> tuple[Any, list[Any]]:
    user = _user(sender)
    return user, ([] if user.is_banned else wishlist_requests_open(user=user))


def _requests_view(entries: list[Any]) -> tuple[str, Any]:
    if not entries:
        return "You have no open requests. /request <title> asks for one.", None
    lines = ["Your open requests (I message you when one arrives):"]
    lines += [f"• {e.query}" for e in entries]
    rows = [[button(f"✖ Cancel “{e.query[:40]}”", "rqx", e.pk)] for e in entries]
    return "\n".join(lines), keyboard(*rows)


async def on_requests(client: Any, message: Any) -> None:
    user, entries = await sync_to_async(_open)(message.from_user)
    if user.is_banned:
        await reply(message, BANNED)
        return
    text, markup = _requests_view(entries)
    await reply(message, text, markup)


def _cancel(sender: Any, entry_id: int) -> tuple[int, list[Any]]:
    user = _user(sender)
    removed = accounts.wishlist_remove(user=user, entry_id=entry_id)
    return removed, wishlist_requests_open(user=user)


async def on_cancel(client: Any, query: Any) -> None:
    (entry_id,) = callback_args(query, 1)
    if not entry_id.isdigit():
        await answer(query, "That button is broken; send /requests again.")
        return
    removed, entries = await sync_to_async(_cancel)(query.from_user, int(entry_id))
    await answer(query, "Cancelled." if removed else "Already cancelled.")
    text, markup = _requests_view(entries)
    await edit(query, text, markup)


FILTER = filters.command("request")
LIST_FILTER = filters.private & filters.command("requests")
CALLBACKS = {"rq": on_pick, "rqx": on_cancel}
