"""The edge feed: edge nodes that share no disk with the processes that change the catalog.

On one machine, whoever changes what nginx serves writes ``EDGE_DIR`` itself (``core.edge``).
With ``EDGE_FEED`` on, nobody writes another node's disk: each change is appended, after its
transaction commits, to one Redis stream (``edge:feed``) as a kind and its arguments ("these
titles' documents", "withdraw these files' links", "the tenants' hosts changed"), and every
edge node runs ``manage.py edge_follow``, which applies each entry to its own ``EDGE_DIR`` with
the same functions a single machine calls directly. An entry names what changed, never the
bytes: the follower reads the committed rows itself, so applying an entry twice or late is
harmless and the last one applied always wrote the newest state.

A follower keeps its place in ``EDGE_DIR/.feed-position``. Restarted, it carries on from there;
new (no position) or too far behind (the entry it last applied was trimmed away, so later ones
may have gone too), it refills its whole directory from the database first, having
noted the stream's end, so nothing written meanwhile is skipped.

A process that cannot reach Redis keeps its entries and sends them, in order, before its next
one; ``manage.py edge_sync --refill`` on an edge node rewrites everything from the database.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from django.conf import settings

from core.edge import edge_dir, write_atomic
from core.redis import ERRORS, client

log = logging.getLogger(__name__)

KEY = "edge:feed"
POSITION = ".feed-position"
START = "0-0"

_kinds: dict[str, Callable[..., Any]] = {}
_unsent: list[dict[str, str]] = []
_unsent_lock = threading.Lock()


def edge_kind(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register what applying an entry of kind ``name`` does to this node's ``EDGE_DIR`` (its
    arguments are the entry's, as JSON gave them)."""

    def register(apply: Callable[..., Any]) -> Callable[..., Any]:
        _kinds[name] = apply
        return apply

    return register


def edge_active() -> bool:
    """Whether there is an edge to keep: this node's ``EDGE_DIR``, or the feed to the others."""
    return bool(settings.EDGE_DIR) or settings.EDGE_FEED


def edge_send(kind: str, **arguments: Any) -> None:
    """Apply a change to the edge: here and now (``EDGE_DIR``), or, with ``EDGE_FEED``, on every
    edge node through the feed. Call it after commit."""
    if kind not in _kinds:
        raise KeyError(f"no edge kind {kind!r}")
    if not settings.EDGE_FEED:
        if settings.EDGE_DIR:
            _kinds[kind](**arguments)
        return
    entry = {"kind": kind, "args": json.dumps(arguments, separators=(",", ":"))}
    with _unsent_lock:
        _unsent.append(entry)
        try:
            connection = client(settings.REDIS_URL)
            while _unsent:
                connection.xadd(KEY, _unsent[0], maxlen=settings.EDGE_FEED_MAXLEN, approximate=True)
                _unsent.pop(0)
        except ERRORS as exc:
            log.error("edge feed unreachable (%s): %d entries kept for the next send", exc,
                      len(_unsent))  # fmt: skip


def edge_apply(fields: dict[bytes | str, bytes | str]) -> None:
    """Apply one feed entry to this node's ``EDGE_DIR``."""
    text = {_text(k): _text(v) for k, v in fields.items()}
    apply = _kinds.get(text.get("kind", ""))
    if apply is None:
        log.warning("edge feed: unknown entry %r skipped", text.get("kind"))
        return
    apply(**json.loads(text.get("args") or "{}"))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _id(value: bytes | str) -> tuple[int, int]:
    ms, _, seq = _text(value).partition("-")
    return int(ms), int(seq or 0)


class Follower:
    """Keeps this node's ``EDGE_DIR`` up to date from the feed (``manage.py edge_follow``).

    ``refill`` rewrites the whole directory from the database (``tenants.edge``'s full sync);
    ``block_ms`` is how long one read waits for new entries."""

    def __init__(self, *, refill: Callable[[], Any], block_ms: int = 2000) -> None:
        root = edge_dir()
        if root is None:
            raise RuntimeError("EDGE_DIR is not set: an edge node follows the feed into it")
        self.root: Path = root
        self.refill = refill
        self.block_ms = block_ms
        self.redis = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=block_ms / 1000 + 10, socket_connect_timeout=5
        )
        self.position = START

    def _saved(self) -> str | None:
        try:
            return (self.root / POSITION).read_text().strip() or None
        except FileNotFoundError:
            return None

    def _save(self) -> None:
        write_atomic(self.root / POSITION, self.position.encode())

    def _behind(self, position: str) -> bool:
        """True when entries after ``position`` may have been lost: the entry we last applied
        was trimmed away (trimming takes the oldest first, so while it is there nothing after
        it has gone), or the stream is not the one we followed (Redis lost it)."""
        try:
            info = self.redis.xinfo_stream(KEY)
        except redis.ResponseError:  # no stream: never written, or lost with Redis's data
            return position != START
        if _id(info["last-generated-id"]) < _id(position):
            return True
        if position == START:
            return info["entries-added"] > info["length"]
        return not self.redis.xrange(KEY, min=position, max=position, count=1)

    def start(self) -> str:
        """Take up the saved place, or refill first. Returns what was done."""
        saved = self._saved()
        if saved is not None and not self._behind(saved):
            self.position = saved
            return "resumed"
        last = self.redis.xrevrange(KEY, count=1)
        self.position = _text(last[0][0]) if last else START  # noted before reading the rows
        self.refill()
        self._save()
        return "refilled"

    def step(self) -> int:
        """Apply what the feed holds after our place (waiting up to ``block_ms`` for it)."""
        batches = self.redis.xread({KEY: self.position}, count=500, block=self.block_ms)
        applied = 0
        for _stream, entries in batches or []:
            for entry_id, fields in entries:
                try:
                    edge_apply(fields)
                except OSError:
                    log.exception("edge feed: entry %s failed on this node", _text(entry_id))
                self.position = _text(entry_id)
                applied += 1
        if applied:
            self._save()
        return applied

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Follow until ``stop()``. Redis away: wait for it, then take up our place again (or
        refill, if the stream was trimmed past it meanwhile). A database error ends the run
        (the process manager starts it again; entries since the saved place are applied again,
        which is harmless)."""
        started = False
        while not stop():
            try:
                if not started:
                    log.info("edge feed: %s at %s", self.start(), self.position)
                    started = True
                self.step()
            except ERRORS as exc:
                log.warning("edge feed: %s; trying again in 1 s", exc)
                time.sleep(1)
                started = False
