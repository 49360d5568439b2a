"""What the player page plays, picked from the title document: the files of the movie or of the
asked episode, the file asked for (else the best that plays), its intro timings, and the next
episode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 7 else None


def _episodes(doc: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [
        (int(season), ep)
        for season, episodes in (doc.get("seasons") or {}).items()
        for ep in episodes
    ]


def files_for(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every file of the title (a series': of every episode), for the quality modal."""
    if doc["media_type"] == "movie":
        return list(doc.get("files") or [])
    return [f for _, ep in _episodes(doc) for f in ep["files"]]


def player_context(doc: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any] | None:
    """``?f=<file hash>`` picks a quality; a series takes ``?s=&e=`` (default: the first
    episode that has a file). None when there is nothing to play."""
    season = episode = episode_id = None
    intro = doc.get("intro_timings")
    name = doc["title"]
    if doc["media_type"] == "series":
        wanted = (_int(query.get("s")), _int(query.get("e")))
        found = [
            (s, ep)
            for s, ep in _episodes(doc)
            if ep["files"] and (None in wanted or (s, ep["episode"]) == wanted)
        ]
        if not found:
            return None
        season, ep = found[0]
        episode, episode_id, files = ep["episode"], ep.get("id"), ep["files"]
        intro = ep.get("intro_timings")
        name = f"{doc['title']} — S{season}E{episode} {ep['title']}".strip()
    else:
        files = doc.get("files") or []
    if not files:
        return None
    chosen = next((f for f in files if f["file_hash"] == query.get("f")), files[0])
    return {
        "doc": doc,
        "name": name,
        "files": files,
        "file": chosen,
        "season": season,
        "episode": episode,
        "player": {
            "short_id": doc["short_id"],
            "file_hash": chosen["file_hash"],
            "duration": chosen.get("duration"),
            "season": season,
            "episode": episode,
            "comments_target": f"episode:{episode_id}"
            if episode_id
            else f"title:{doc['short_id']}",
            "intro": intro,
        },
    }


def episode_after(doc: dict[str, Any], season: int | None, episode: int | None) -> dict | None:
    if season is None or episode is None:
        return None
    order = [(s, ep) for s, ep in _episodes(doc) if ep["files"]]
    for n, (s, ep) in enumerate(order):
        if (s, ep["episode"]) == (season, episode) and n + 1 < len(order):
            nxt_season, nxt = order[n + 1]
            return {"season": nxt_season, "episode": nxt["episode"], "title": nxt["title"]}
    return None
