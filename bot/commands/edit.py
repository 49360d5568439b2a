"""/edit <short_id | TMDB id> (admins): the manual override console (docs/design.md). The title's
card with buttons: re-match it on TMDB (candidates; the pick refetches metadata and images
through the hoarder, OMDb's scores merged in) or on OMDb by an IMDb id or link, fix the
name, year or overview by replying with text, replace the poster by replying with a photo
(stored in the vault), hide or publish it, build its download packs now. Every change goes
through the catalog's audited services (the document is rebuilt)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ValidationError
from pyrogram import filters
from pyrogram.types import ForceReply

from bot.titles import admin_of_fresh_query, admin_of_message, title_by_id, title_line, title_named
from bot.ui import answer, button, callback_args, edit, keyboard, reply
from catalog import services as catalog
from catalog.models import Title, TitleStatus
from ingest.omdb import imdb_id_in
from ingest.packs_auto import packs_schedule_all
from ingest.rematch import title_rematch_omdb, title_rematch_tmdb
from ingest.tmdb import TmdbError, tmdb_candidates
from ingest.work import put
from jobs.engine import TransientError

USAGE = "/edit <short_id | TMDB id>"
NOT_ALLOWED = "You may not edit titles (ask for the change-title permission)."
FIELDS = {"title": "name", "year": "year", "overview": "overview"}
PROMPT = "✏ New {label} for {short_id}? Reply to this message with it."
PROMPT_RE = re.compile(r"^✏ New (name|year|overview) for ([0-9A-Za-z]{7})\?")
POSTER_PROMPT = "🖼 New poster for {short_id}? Reply to this message with a photo."
POSTER_RE = re.compile(r"^🖼 New poster for ([0-9A-Za-z]{7})\?")
IMDB_PROMPT = "🎞 IMDb id for {short_id}? Reply with it (tt0133093 or an imdb.com link)."
IMDB_RE = re.compile(r"^🎞 IMDb id for ([0-9A-Za-z]{7})\?")
KIND = {"movie": "m", "series": "s"}


def _may_edit(admin: Any) -> bool:
    return bool(admin.is_superuser or admin.has_perm("catalog.change_title"))


def _card(title: Title) -> tuple[str, Any]:
    overview = (title.overview[:300] + "…") if len(title.overview) > 300 else title.overview
    lines = [
        f"🎬 {title_line(title)}",
        f"TMDB: {title.tmdb_id or '—'} · IMDb: {title.imdb_id or '—'}"
        f" · poster: {'yes' if title.poster else 'none'}",
        overview or "(no overview)",
    ]
    toggle = (
        button("🙈 Hide", "eds", title.pk, "hide")
        if title.status == TitleStatus.AVAILABLE
        else button("✅ Publish", "eds", title.pk, "publish")
    )
    rows = [
        (
            [button("🔁 Re-match TMDB", "edm", title.pk), button("🎞 IMDb id", "edi", title.pk)]
            if title.media_type in KIND
            else []
        ),
        [button(f"✏ {label.capitalize()}", "edf", title.pk, f) for f, label in FIELDS.items()],
        [button("🖼 Poster", "edp", title.pk), toggle],
        [button("📦 Build packs", "edk", title.pk)] if title.media_type != "movie" else [],
    ]
    return "\n".join(lines), (keyboard(*rows) if title.status != TitleStatus.BANNED else None)


async def on_edit(client: Any, message: Any) -> None:
    admin = await admin_of_message(message)
    if admin is None:
        return
    if not await sync_to_async(_may_edit)(admin):
        await reply(message, NOT_ALLOWED)
        return
    title = await title_named(message, USAGE)
    if title is None:
        return
    text, markup = _card(title)
    if title.status == TitleStatus.BANNED:
        text += "\nTaken down: restore it in the admin first."
    await reply(message, text, markup)


async def _admin_title(query: Any) -> tuple[Any, Title | None]:
    admin = await admin_of_fresh_query(query)
    if admin is None:
        return None, None
    if not await sync_to_async(_may_edit)(admin):
        await answer(query, NOT_ALLOWED, alert=True)
        return None, None
    (title_id,) = callback_args(query, 1)
    title = await title_by_id(title_id)
    if title is None or title.status == TitleStatus.BANNED:
        await answer(query, "That title is gone or taken down.")
        return None, None
    return admin, title


async def on_rematch(client: Any, query: Any) -> None:
    _, title = await _admin_title(query)
    if title is None:
        return
    search = f"{title.title} {title.year or ''}".strip()
    try:
        found = await sync_to_async(tmdb_candidates)(query=search, limit=10)
    except (TransientError, TmdbError):
        await answer(query, "TMDB is not reachable right now.", alert=True)
        return
    same_kind = [c for c in found if c.media_type == title.media_type][:5]
    if not same_kind:
        await answer(query, "TMDB has no candidate (or TMDB is off).", alert=True)
        return
    await answer(query, "Pick the right one.")
    rows = [
        [button(c.label[:60], "edt", title.pk, KIND[c.media_type], c.tmdb_id)] for c in same_kind
    ]
    await edit(query, f"🔁 Re-match {title_line(title)} to:", keyboard(*rows))


async def on_rematch_pick(client: Any, query: Any) -> None:
    admin, title = await _admin_title(query)
    if title is None:
        return
    _, kind, tmdb_id = callback_args(query, 3)
    media_type = {v: k for k, v in KIND.items()}.get(kind)
    if media_type is None or not tmdb_id.isdigit():
        await answer(query, "That button is broken.")
        return
    try:
        await sync_to_async(title_rematch_tmdb)(
            title=title, media_type=media_type, tmdb_id=int(tmdb_id), actor=admin
        )
    except ValidationError as exc:
        await answer(query, " ".join(exc.messages)[:200], alert=True)
        return
    except TransientError:
        await answer(query, "TMDB is not reachable right now.", alert=True)
        return
    title = await sync_to_async(Title.objects.get)(pk=title.pk)
    await answer(query, "Re-matched.")
    text, markup = _card(title)
    await edit(query, text, markup)


async def on_field(client: Any, query: Any) -> None:
    _, title = await _admin_title(query)
    if title is None:
        return
    _, field = callback_args(query, 2)
    if field not in FIELDS:
        await answer(query, "That button is broken.")
        return
    await answer(query, "Reply with the new value.")
    prompt = PROMPT.format(label=FIELDS[field], short_id=title.short_id)
    await reply(query.message, prompt, ForceReply(selective=True))


def _field_value(label: str, text: str) -> tuple[str, Any]:
    field = {v: k for k, v in FIELDS.items()}[label]
    text = text.strip()
    if field == "year":
        if not re.fullmatch(r"(18|19|20)\d{2}", text):
            raise ValidationError({"year": "A year like 1999."})
        return field, int(text)
    if not text:
        raise ValidationError({field: "Send some text."})
    return field, text[:4000] if field == "overview" else text[:300]


async def _reply_target(message: Any, short_id: str) -> tuple[Any, Title | None]:
    """The editing admin and the title a reply to a prompt is about; (…, None) after saying
    why not."""
    admin = await admin_of_message(message)
    if admin is None:
        return None, None
    if not await sync_to_async(_may_edit)(admin):
        await reply(message, NOT_ALLOWED)
        return None, None
    title = await sync_to_async(Title.objects.filter(short_id=short_id).first)()
    if title is None or title.status == TitleStatus.BANNED:
        await reply(message, "That title is gone or taken down.")
        return None, None
    return admin, title


async def on_field_reply(client: Any, message: Any) -> None:
    label, short_id = PROMPT_RE.match(message.reply_to_message.text or "").groups()
    admin, title = await _reply_target(message, short_id)
    if title is None:
        return
    try:
        field, value = _field_value(label, message.text or "")
        changed = await sync_to_async(catalog.title_edit)(
            title=title, data={field: value}, actor=admin
        )
    except ValidationError as exc:
        await reply(message, f"Not changed: {' '.join(exc.messages)}")
        return
    text, markup = _card(title)
    await reply(message, ("Saved.\n" if changed else "No change.\n") + text, markup)


async def _ask(query: Any, hint: str, prompt: str) -> None:
    """Ask the admin for a reply to ``prompt`` (formatted with the title's short id)."""
    _, title = await _admin_title(query)
    if title is None:
        return
    await answer(query, hint)
    await reply(query.message, prompt.format(short_id=title.short_id), ForceReply(selective=True))


async def on_poster(client: Any, query: Any) -> None:
    await _ask(query, "Reply with a photo.", POSTER_PROMPT)


def _store_poster(path: Path, title: Title, admin: Any) -> bool:
    try:
        stored = put(path, f"poster-{title.short_id}{path.suffix or '.jpg'}")
    finally:
        path.unlink(missing_ok=True)
    return catalog.title_edit(title=title, data={"poster": stored["tagged"]}, actor=admin)


async def on_poster_reply(client: Any, message: Any) -> None:
    (short_id,) = POSTER_RE.match(message.reply_to_message.text or "").groups()
    admin, title = await _reply_target(message, short_id)
    if title is None:
        return
    dest = Path(settings.INGEST_WORK_DIR) / "bot" / f"{uuid.uuid4().hex}.jpg"
    dest.parent.mkdir(parents=True, exist_ok=True)
    path = await client.download_media(message, file_name=str(dest))
    await sync_to_async(_store_poster)(Path(path), title, admin)
    title = await sync_to_async(Title.objects.get)(pk=title.pk)
    text, markup = _card(title)
    await reply(message, "🖼 Poster replaced.\n" + text, markup)


async def on_imdb(client: Any, query: Any) -> None:
    await _ask(query, "Reply with the IMDb id.", IMDB_PROMPT)


async def on_imdb_reply(client: Any, message: Any) -> None:
    (short_id,) = IMDB_RE.match(message.reply_to_message.text or "").groups()
    admin, title = await _reply_target(message, short_id)
    if title is None:
        return
    try:
        changed = await sync_to_async(title_rematch_omdb)(
            title=title, imdb_id=imdb_id_in(message.text or ""), actor=admin
        )
    except ValidationError as exc:
        await reply(message, f"Not changed: {' '.join(exc.messages)}")
        return
    except TransientError:
        await reply(message, "OMDb is not reachable right now; try again later.")
        return
    title = await sync_to_async(Title.objects.get)(pk=title.pk)
    text, markup = _card(title)
    await reply(message, ("Re-matched on OMDb.\n" if changed else "No change.\n") + text, markup)


async def on_packs(client: Any, query: Any) -> None:
    admin, title = await _admin_title(query)
    if title is None:
        return
    queued = await sync_to_async(packs_schedule_all)(title=title, created_by=admin)
    await answer(
        query,
        ("📦 Building: " + ", ".join(queued) + ".") if queued else "Every pack is up to date.",
        alert=True,
    )


async def on_status(client: Any, query: Any) -> None:
    admin, title = await _admin_title(query)
    if title is None:
        return
    _, action = callback_args(query, 2)
    status = TitleStatus.AVAILABLE if action == "publish" else TitleStatus.PROCESSING
    try:
        changed = await sync_to_async(catalog.title_status_change)(
            title=title, status=status, actor=admin, reason="via the bot's /edit"
        )
    except ValidationError as exc:
        await answer(query, " ".join(exc.messages)[:200], alert=True)
        return
    await answer(query, ("Published." if action == "publish" else "Hidden.") if changed else "")
    text, markup = _card(title)
    await edit(query, text, markup)


async def _replies_to(regex: re.Pattern[str], message: Any) -> bool:
    replied = getattr(message, "reply_to_message", None)
    return bool(replied is not None and regex.match(getattr(replied, "text", "") or ""))


async def _to_field_prompt(_: Any, __: Any, message: Any) -> bool:
    return await _replies_to(PROMPT_RE, message)


async def _to_poster_prompt(_: Any, __: Any, message: Any) -> bool:
    return await _replies_to(POSTER_RE, message)


async def _to_imdb_prompt(_: Any, __: Any, message: Any) -> bool:
    return await _replies_to(IMDB_RE, message)


FILTER = filters.command("edit")
FIELD_REPLY_FILTER = filters.text & filters.reply & filters.create(_to_field_prompt)
POSTER_REPLY_FILTER = filters.photo & filters.reply & filters.create(_to_poster_prompt)
IMDB_REPLY_FILTER = filters.text & filters.reply & filters.create(_to_imdb_prompt)
CALLBACKS = {
    "edm": on_rematch,
    "edt": on_rematch_pick,
    "edf": on_field,
    "edp": on_poster,
    "edi": on_imdb,
    "edk": on_packs,
    "eds": on_status,
}
