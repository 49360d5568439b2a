"""The /s/<file_hash> stream: signed URL check, single-range planning, vault bytes.

One planner (``stream_plan``) serves two front doors:

- ``asgi_stream`` — a lean ASGI app that ``streamvault/asgi.py`` routes ``/s/`` to before
  Django's middleware stack. The stack has a sync-only middleware (WhiteNoise), which would put
  two thread hops and one shared thread in front of every range request; players fire many
  small ranges, so the hot path skips it. Body chunks go to the server as the vault yields
  them (1 MiB), with the server's flow control: memory per stream stays constant.
- ``vault.views.stream`` — the same answer as a Django async view (the Django test client,
  and any deployment that mounts Django alone).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection
from django.http.request import split_domain_port, validate_host

from accounts.signing import LinkCheck, verify
from catalog import services as catalog
from catalog.models import ChapterPack, FileStatus, MediaFile, SeasonPack, TitleStatus
from core.errors import error_body
from core.hosts import hosts_refresh, hosts_refresh_due, refusal_for
from core.signals import vault_object_missing
from core.traffic import bytes_sent
from media.names import clean_filename
from vault import (
    BackendUnavailable,
    NotFound,
    StorageBackend,
    VaultError,
    backend_ready,
    backends_start,
    backends_stop,
)
from vault.ranges import Unsatisfiable, parse_range

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "mp4": "video/mp4",
    "m4v": "video/x-m4v",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "ts": "video/mp2t",
    "mpg": "video/mpeg",
    "flv": "video/x-flv",
    "ogg": "video/ogg",
    "wmv": "video/x-ms-wmv",
}
PREFIX = "/s/"
WATCH_DISCONNECT_OVER = 8 * 1024 * 1024  # bytes; longer bodies stop early when the client goes
HASH_LEN = 64
_HEX = set("0123456789abcdef")


# --- which file -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    backend: str
    ref: str
    tg_raw: dict[str, Any]
    size: int
    content_type: str
    filename: str


def _target_load(file_hash: str, *, outside_django: bool = False) -> Target | None:
    if outside_django:
        # Django's handler does this on request_started/finished; the lean door must too.
        close_old_connections()
    row = (
        MediaFile.objects.filter(file_hash=file_hash, status=FileStatus.ACTIVE)
        .exclude(title__status=TitleStatus.BANNED)  # a takedown stops streams at once
        .values(
            "backend",
            "ref",
            "tg_raw",
            "size_bytes",
            "container",
            "quality",
            "title__title",
            "title__year",
            "episode__season",
            "episode__number",
        )
        .first()
    )
    if row is None:
        return _pack_target(file_hash)
    return Target(
        backend=row["backend"],
        ref=row["ref"],
        tg_raw=row["tg_raw"] or {},
        size=row["size_bytes"],
        content_type=CONTENT_TYPES.get(row["container"], "application/octet-stream"),
        filename=clean_filename(
            title=row["title__title"],
            year=row["title__year"],
            quality=row["quality"],
            ext=row["container"] or "bin",
            season=row["episode__season"],
            episode=row["episode__number"],
        ),
    )


def _pack_target(file_hash: str) -> Target | None:
    """A season or chapter pack (its ref is its SHA-256, the backend's content address):
    downloadable through the same signed URL scheme."""
    season = (
        SeasonPack.objects.filter(ref=file_hash)
        .exclude(series__status=TitleStatus.BANNED)
        .values("backend", "ref", "size_bytes", "season", "series__title", "series__year")
        .first()
    )
    if season is not None:
        name = clean_filename(
            title=season["series__title"], year=season["series__year"], season=season["season"]
        )
        return Target(
            season["backend"],
            season["ref"],
            {},
            season["size_bytes"],
            "application/zip",
            name + ".zip",
        )
    chapters = (
        ChapterPack.objects.filter(ref=file_hash)
        .exclude(manga__status=TitleStatus.BANNED)
        .values("backend", "ref", "size_bytes", "first", "last", "manga__title")
        .first()
    )
    if chapters is not None:
        name = clean_filename(
            title=f"{chapters['manga__title']} - Chapters "
            f"{chapters['first'].normalize():f}-{chapters['last'].normalize():f}",
            ext="zip",
        )
        return Target(
            chapters["backend"],
            chapters["ref"],
            {},
            chapters["size_bytes"],
            "application/zip",
            name,
        )
    return None


def _bytes_missing(file_hash: str, target: Target, *, outside_django: bool = False) -> None:
    """Mark the media file dead (the document stops offering it) and tell the listeners of
    ``core.signals.vault_object_missing`` (the medic opens a repair)."""
    if outside_django:
        close_old_connections()
    media_file = MediaFile.objects.filter(file_hash=file_hash, status=FileStatus.ACTIVE).first()
    if media_file is not None:
        catalog.media_file_set_status(media_file=media_file, status=FileStatus.DEAD)
    log.warning("vault object %s:%s of %s is missing", target.backend, target.ref, file_hash)
    vault_object_missing.send(
        sender=Target, file_hash=file_hash, backend=target.backend, ref=target.ref
    )


class _TargetCache:
    """file_hash → Target for ``VAULT_STREAM_LOOKUP_SECONDS``: a player's burst of range
    requests costs one query. Short, so a takedown or a dead file stops serving quickly."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self.items: OrderedDict[str, tuple[float, Target | None]] = OrderedDict()
        self.present: dict[str, float] = {}

    async def get(self, file_hash: str, *, outside_django: bool = False) -> Target | None:
        ttl = settings.VAULT_STREAM_LOOKUP_SECONDS
        now = time.monotonic()
        hit = self.items.get(file_hash)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        target = await sync_to_async(_target_load)(file_hash, outside_django=outside_django)
        if ttl > 0:
            self.items[file_hash] = (now, target)
            self.items.move_to_end(file_hash)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return target

    def clear(self) -> None:
        self.items.clear()
        self.present.clear()

    def forget(self, file_hashes: list[str]) -> None:
        for file_hash in file_hashes:
            self.items.pop(file_hash, None)
            self.present.pop(file_hash, None)

    def seen_present(self, file_hash: str) -> bool:
        """The bytes were found in the vault within the lookup window (a burst of ranges
        costs one ``stat``)."""
        at = self.present.get(file_hash)
        return at is not None and time.monotonic() - at < settings.VAULT_STREAM_LOOKUP_SECONDS

    def mark_present(self, file_hash: str) -> None:
        self.present[file_hash] = time.monotonic()
        while len(self.present) > self.size:
            self.present.pop(next(iter(self.present)))


targets = _TargetCache()


def targets_forget(file_hashes: list[str]) -> None:
    """Drop these files from this process's lookup cache (a takedown: stop serving at once)."""
    targets.forget(file_hashes)


# --- what to answer ---------------------------------------------------------------------------


@dataclass
class Plan:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    backend: StorageBackend | None = None
    ref: str = ""
    start: int = 0
    end: int = 0  # exclusive; end > start means stream these vault bytes


def _error(status: int, code: str, message: str, **headers: str) -> Plan:
    body = json.dumps(error_body(code=code, message=message)).encode()
    hs = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
    ]
    return Plan(status, hs + list(headers.items()), body)


def _hosts_refresh() -> None:
    try:
        hosts_refresh()
    finally:
        connection.close()  # an executor thread's connection: not kept open between refreshes


def _host_allowed(host: str | None) -> bool:
    """The lean door skips Django's middleware, so it checks the Host header as Django does."""
    if host is None:
        return True  # HTTP/1.0 without Host: nothing to validate, as Django's own handling
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)


async def stream_plan(
    *,
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    outside_django: bool = False,
) -> Plan:
    """The whole decision for one request. ``headers`` keys are lower-case."""
    if hosts_refresh_due():  # a tenant domain added a moment ago (core.hosts)
        await sync_to_async(_hosts_refresh, thread_sensitive=False)()
    if not _host_allowed(headers.get("host")):
        return _error(400, "bad_host", "The Host header is not one this server answers for.")
    refused = refusal_for(headers.get("host") or "")
    if refused:  # a suspended tenant's domain (core.hosts)
        return _error(503, "site_suspended", refused)
    if method not in {"GET", "HEAD"}:
        return _error(405, "method_not_allowed", "Only GET and HEAD.", Allow="GET, HEAD")
    check = verify(uri=path, md5=query.get("md5"), expires=query.get("expires"))
    if check is LinkCheck.INVALID:
        return _error(403, "invalid_signature", "The link signature is invalid.")
    if check is LinkCheck.EXPIRED:
        return _error(410, "expired", "The link has expired.")
    file_hash = path[len(PREFIX) :]
    target = await targets.get(file_hash, outside_django=outside_django)
    if target is None:
        return _error(404, "not_found", "No such file.")
    try:
        backend = await backend_ready(target.backend)
    except BackendUnavailable:
        return _error(503, "backend_unavailable", "The file's storage is not reachable now.")
    if target.tg_raw and hasattr(backend, "remember"):
        backend.remember(target.ref, target.tg_raw)  # a location the row already knows
    if not targets.seen_present(file_hash):
        # Before any header: a file whose bytes are gone is a 404 (and a repair), not a 200
        # with a Content-Length and no body.
        try:
            await backend.stat(target.ref)
        except NotFound:
            targets.forget([file_hash])
            await sync_to_async(_bytes_missing)(file_hash, target, outside_django=outside_django)
            return _error(404, "bytes_missing", "The file's bytes are missing; a repair is queued.")
        except VaultError:
            return _error(503, "backend_unavailable", "The file's storage is not reachable now.")
        targets.mark_present(file_hash)

    size = target.size
    etag = f'"{file_hash}"'
    common = [
        ("Accept-Ranges", "bytes"),
        ("ETag", etag),
        ("Content-Type", target.content_type),
        ("Content-Disposition", f"inline; filename*=UTF-8''{quote(target.filename, safe='')}"),
        ("Cache-Control", "private, max-age=3600"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    accel = settings.VAULT_ACCEL_REDIRECT
    if accel and hasattr(backend, "accel_path"):
        # nginx sends the bytes (ranges, sendfile); we only authorised the request.
        location = accel.rstrip("/") + "/" + backend.accel_path(target.ref)
        return Plan(200, [*common, ("X-Accel-Redirect", location), ("Content-Length", "0")])

    range_header = headers.get("range")
    if_range = headers.get("if-range")
    if if_range and if_range.strip() != etag:
        range_header = None  # the client's copy is stale: it gets the whole file
    try:
        byte_range = parse_range(range_header, size)
    except Unsatisfiable:
        return _error(
            416,
            "range_not_satisfiable",
            "The requested range is not satisfiable.",
            **{"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
        )
    if byte_range is None:
        if etag in [t.strip() for t in headers.get("if-none-match", "").split(",")]:
            return Plan(304, [("ETag", etag)])
        status, start, end = 200, 0, size
        extra = []
    else:
        status, start, end = 206, byte_range.start, byte_range.end + 1
        extra = [("Content-Range", byte_range.content_range(size))]
    plan = Plan(status, [*common, *extra, ("Content-Length", str(end - start))])
    if method == "GET" and end > start:
        plan.backend, plan.ref, plan.start, plan.end = backend, target.ref, start, end
    return plan


async def plan_body(plan: Plan) -> AsyncIterator[bytes]:
    """The vault's chunks. A failure mid-stream ends the body short (the client retries with
    a Range) instead of raising into the server."""
    if plan.backend is None:
        return
    try:
        async for chunk in plan.backend.open_range(plan.ref, plan.start, plan.end):
            yield chunk
    except VaultError:
        log.exception("stream of %s broke off in [%d, %d)", plan.ref, plan.start, plan.end)


# --- the ASGI front door --------------------------------------------------------------------------

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def is_stream_path(path: str) -> bool:
    return (
        path.startswith(PREFIX)
        and len(path) == len(PREFIX) + HASH_LEN
        and set(path[len(PREFIX) :]) <= _HEX
    )


async def asgi_stream(scope: dict, receive: Receive, send: Send) -> None:
    query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode("latin1")).items()}
    headers = {k.decode("latin1").lower(): v.decode("latin1") for k, v in scope["headers"]}
    plan = await stream_plan(
        method=scope["method"],
        path=scope["path"],
        query=query,
        headers=headers,
        outside_django=True,
    )
    await send(
        {
            "type": "http.response.start",
            "status": plan.status,
            "headers": [(k.encode("latin1"), v.encode("latin1")) for k, v in plan.headers],
        }
    )
    if plan.backend is None:
        await send({"type": "http.response.body", "body": plan.body})
        return

    host = headers.get("host", "")
    sent = 0
    if plan.end - plan.start <= WATCH_DISCONNECT_OVER:
        # A short body (a player's range request): not worth a watcher task per request.
        try:
            async for chunk in plan_body(plan):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sent += len(chunk)
            await send({"type": "http.response.body", "body": b""})
        finally:
            bytes_sent(host=host, amount=sent)
        return

    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            continue  # anything before the disconnect (a stray body chunk) is ignored
        gone.set()

    watcher = asyncio.create_task(watch())
    try:
        async for chunk in plan_body(plan):
            if gone.is_set():
                return  # the player moved on (a seek): stop reading the vault
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            sent += len(chunk)
        await send({"type": "http.response.body", "body": b""})
    finally:
        watcher.cancel()
        bytes_sent(host=host, amount=sent)


def _backends_start() -> None:
    try:
        backends_start()
    finally:
        connection.close()  # this thread's connection: not kept open by a one-off start


async def lifespan(receive: Receive, send: Send) -> None:
    """ASGI lifespan: start the vault backends that run per process (the swarm's Telegram
    storage starts the stream accounts) at startup, stop them (releasing the accounts' session
    locks) at shutdown. A failed start does not stop the server: streams retry it lazily."""

    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await sync_to_async(_backends_start, thread_sensitive=False)()
            except Exception:
                log.exception("the stream accounts' Telegram runtime failed to start")
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await sync_to_async(backends_stop, thread_sensitive=False)()
            except Exception:
                log.exception("the Telegram runtime failed to stop cleanly")
            await send({"type": "lifespan.shutdown.complete"})
            return


def with_stream_route(django_app: Callable) -> Callable:
    """Wrap the Django ASGI app: ``/s/<sha256>`` goes to ``asgi_stream``; the lifespan
    protocol (which Django does not speak) starts and stops the stream accounts."""

    async def application(scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_stream_path(scope["path"]):
            await asgi_stream(scope, receive, send)
        elif scope["type"] == "lifespan":
            await lifespan(receive, send)
        else:
            await django_app(scope, receive, send)

    return application
