"""Reads used by the API and the admin."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, QuerySet, Value

from catalog.models import TitleStatus

from .models import ReadProgress, User, WatchProgress


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def history_rows(*, user: User) -> QuerySet:
    """The "continue watching" row as one ordered queryset over both progress tables
    (``{"id", "updated_at", "kind"}`` rows, latest first), so it paginates with one COUNT and
    one page query; ``history_items`` loads a page's details."""
    watch = (
        WatchProgress.objects.filter(user=user)
        .exclude(title__status=TitleStatus.BANNED)
        .annotate(kind=Value("watch", output_field=CharField()))
        .values("id", "updated_at", "kind")
    )
    read = (
        ReadProgress.objects.filter(user=user)
        .exclude(manga__status=TitleStatus.BANNED)
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
