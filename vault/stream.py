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
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http.request import split_domain_port, validate_host

from catalog.policy import policy_for_host
from core.errors import error_body
from core.hosts import hosts_refresh, hosts_refresh_due, refusal_for
from core.signing import LinkCheck, verify
from core.traffic import bytes_sent
from vault import (
    BackendUnavailable,
    NotFound,
    StorageBackend,
    VaultError,
    backend_ready,
    backends_start,
    backends_stop,
)
from vault.edge import stream_link_grant
from vault.ranges import Unsatisfiable, parse_range
from vault.targets import fallback_url, target_bytes_missing, targets

log = logging.getLogger(__name__)

PREFIX = "/s/"
WATCH_DISCONNECT_OVER = 8 * 1024 * 1024  # bytes; longer bodies stop early when the client goes
HASH_LEN = 64
_HEX = set("0123456789abcdef")


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
    file_hash: str = ""


def _error(status: int, code: str, message: str, **headers: str) -> Plan:
    body = json.dumps(error_body(code=code, message=message)).encode()
    hs = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
    ]
    return Plan(status, hs + list(headers.items()), body)


def _switch(url: str) -> Plan:
    """The primary copy is lost: the viewer goes to a live backup or mirror of the same bytes
    at once (the medic is re-copying the primary). Not cached: the next request looks again."""
    return Plan(
        302,
        [
            ("Location", url),
            ("Cache-Control", "no-store"),
            ("Content-Length", "0"),
            ("X-StreamVault-Source", "mirror"),
        ],
    )


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
    policy = policy_for_host(headers.get("host") or "")
    if not policy.is_open and (target.facts is None or not policy.admits(target.facts)):
        return _error(404, "not_found", "No such file.")  # this site does not show the title
    if target.lost:
        return _switch(target.fallback)
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
            await sync_to_async(target_bytes_missing)(
                file_hash, target, outside_django=outside_django
            )
            fallback = "" if target.rendition_of else await sync_to_async(fallback_url)(file_hash)
            if fallback:
                return _switch(fallback)
            return _error(404, "bytes_missing", "The file's bytes are missing; a repair is queued.")
        except VaultError:
            return _error(503, "backend_unavailable", "The file's storage is not reachable now.")
        targets.mark_present(file_hash)

    if settings.EDGE_DIR and hasattr(backend, "path"):
        # A local file behind the edge: nginx sends it once linked (vault.edge), so the door
        # sees it only on a first request or after a withdrawal — it reads the row afresh.
        fresh = await sync_to_async(stream_link_grant)(
            file_hash,
            target.backend,
            backend,
            host=headers.get("host") or "",
            outside_django=outside_django,
        )
        if fresh is None or fresh.backend != target.backend:
            targets.forget([file_hash])  # withdrawn or moved: the next request looks again
            return _error(404, "not_found", "No such file.")
        target = fresh

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
        plan.file_hash = file_hash
    return plan


async def plan_body(plan: Plan) -> AsyncIterator[bytes]:
    """The vault's chunks. A failure mid-stream ends the body short (the client retries with
    a Range) instead of raising into the server."""
    if plan.backend is None:
        return
    try:
        async for chunk in plan.backend.open_range(plan.ref, plan.start, plan.end):
            yield chunk
    except NotFound:
        # Gone under a playing stream: the next request looks again (and switches to a mirror).
        targets.forget([plan.file_hash])
        log.warning("stream of %s: the bytes vanished in [%d, %d)", plan.ref, plan.start, plan.end)
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
