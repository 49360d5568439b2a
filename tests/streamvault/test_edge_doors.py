"""Every byte door of the shipped edge (``deploy/nginx.conf.template`` under honcho: nginx,
the stream process) answers as documented — one topology, three checks:

- nginx and the stream process answer the same request the same way: odd Range headers,
  several ranges, a padded signature, a long or zero-padded expiry (docs/vault.md), errors in
  the JSON error shape;
- what nginx refuses before any app sees the request is refused in that shape too: TRACE (405
  with ``Allow``), a request line too long (414: the web process allows longer, so gunicorn's
  HTML page is never reached), a header too large (431);
- the site's catalog policy and suspension hold at every door: a stream and a subtitle of a
  title tenant-b hides are served on the main site (then by nginx itself: a link, a cache hit)
  but never on tenant-b's host — neither from nginx's links or cache nor from the stream
  process — and nothing at all on suspended tenant-c's host (503)."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest
from django.core.cache import cache

from catalog import services as catalog
from catalog.models import ContentRating, SubtitleTrack, Title
from core.signing import signature
from ingest.local import media_ingest
from tenants.models import Tenant, TenantDomain, TenantStatus
from tenants.resolve import VERSION_KEY, tenants_forget
from tests.streamvault.test_topology import running_topology
from tests.support.signed import signed

pytestmark = pytest.mark.django_db(transaction=True)

MAIN, B, C = "localhost", "tenant-b.localhost", "tenant-c.localhost"
FULL, PART, ODD_RANGE, BAD_SIG = 200, 206, 416, 403


def _cases(uri: str, size: int) -> list[tuple[str, str, dict[str, str], int]]:
    exp = int(time.time()) + 600

    def url(expires: str, *, signed_as: str | None = None, pad: str = "") -> str:
        md5 = signature(uri=uri, expires=signed_as if signed_as is not None else expires)
        return f"{uri}?md5={md5}{pad}&expires={expires}"

    ok, far, padded = url(str(exp)), "9" * 13, f"0{exp}"
    return [
        ("one range", ok, {"Range": "bytes=10-19"}, PART),
        ("a suffix", ok, {"Range": "bytes=-10"}, PART),
        ("end past the file", ok, {"Range": f"bytes=10-{size * 2}"}, PART),
        ("last before first", ok, {"Range": "bytes=5-1"}, ODD_RANGE),
        ("no numbers", ok, {"Range": "bytes=-"}, ODD_RANGE),
        ("empty suffix", ok, {"Range": "bytes=-0"}, ODD_RANGE),
        ("start past the end", ok, {"Range": f"bytes={size}-"}, ODD_RANGE),
        ("several ranges", ok, {"Range": "bytes=0-1,5-6"}, FULL),
        ("another unit", ok, {"Range": "items=0-1"}, FULL),
        ("padded signature", url(str(exp), pad="=="), {}, FULL),
        ("13-digit expiry", url(far), {}, FULL),
        ("zero-padded expiry", url(padded, signed_as=str(exp)), {}, BAD_SIG),
        ("zero-padded expiry, signed so", url(padded), {}, FULL),
        ("a plus sign", url(f"+{exp}", signed_as=str(exp)), {}, BAD_SIG),
        ("no signature", f"{uri}?expires={exp}", {}, BAD_SIG),
    ]


def _seen(r: httpx.Response) -> tuple:
    """What a client can tell: the status, the error code (the JSON error shape), the
    Content-Range and how many bytes came (a body's length, for an answer with bytes)."""
    if r.status_code >= 400:
        return r.status_code, r.json()["error"]["code"], r.headers.get("content-range"), None
    return r.status_code, None, r.headers.get("content-range"), len(r.content)


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def _request(method: str, target: str, *extra: str) -> bytes:
    head = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode()


def _tenants(django_capture_on_commit_callbacks) -> None:
    """The main site, tenant-b (safe titles only) and suspended tenant-c."""
    cache.delete(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        Tenant.objects.create(name="StreamVault", is_default=True)
        for name, domain, fields in (
            ("Tenant B", B, {"allowed_ratings": [ContentRating.SAFE]}),
            ("Tenant C", C, {"status": TenantStatus.SUSPENDED}),
        ):
            tenant = Tenant.objects.create(name=name, **fields)
            TenantDomain.objects.create(tenant=tenant, domain=domain, is_primary=True)
    tenants_forget()


def test_every_byte_door_of_the_shipped_edge(
    media, tmp_path, settings, django_capture_on_commit_callbacks
):
    movie = media_ingest(path=media.movie).media_file
    catalog.title_edit(
        title=Title.objects.get(pk=movie.title_id),
        data={"content_rating": ContentRating.ADULT},
        actor=None,
    )
    _tenants(django_capture_on_commit_callbacks)
    try:
        with running_topology(tmp_path, settings) as (edge, env, _work, _proc):
            _doors_agree(edge, env, movie)
            _refusals(env)
            _site_policy(edge, movie)
    finally:
        tenants_forget()


def _doors_agree(edge, env, movie) -> None:
    uri, size = f"/s/{movie.file_hash}", movie.size_bytes
    cases = _cases(uri, size)
    assert edge.get(cases[0][1], headers={"Range": "bytes=0-1"}).status_code == 206
    assert edge.get(cases[0][1], headers={"Range": "bytes=0-1"}).headers["x-edge"] == "stream"
    door = httpx.Client(base_url=f"http://127.0.0.1:{env['STREAM_PORT']}", timeout=10)
    differ, wrong = [], []
    for name, url, headers, expected in cases:
        at_edge = _seen(edge.get(url, headers=headers))
        at_door = _seen(door.get(url, headers=headers))
        if at_edge != at_door:
            differ.append((name, at_edge, at_door))
        if at_edge[0] != expected:
            wrong.append((name, at_edge, expected))
        if expected == ODD_RANGE:
            assert at_edge[2] == f"bytes */{size}", name
        if expected == FULL:
            assert at_edge[3] == size, name
        if expected == PART:
            assert at_edge[3] in (10, size - 10), name
    assert not differ, differ
    assert not wrong, wrong


def _refusals(env) -> None:
    port = int(env["EDGE_LISTEN"].rsplit(":", 1)[1])
    cases = [
        (_request("TRACE", "/api/titles/"), 405, "method_not_allowed"),
        (_request("TRACE", "/"), 405, "method_not_allowed"),
        (_request("FOO", "/api/titles/"), 405, "method_not_allowed"),
        (_request("GET", "/api/titles/?search=" + "a" * 20000), 414, "uri_too_long"),
        (_request("GET", "/api/titles/", "X-Big: " + "a" * 20000), 431, "headers_too_large"),
    ]
    for request, status, code in cases:
        got, headers, body = _raw(port, request)
        assert (got, json.loads(body)["error"]["code"]) == (status, code), request[:40]
        assert headers["content-type"].startswith("application/json")
        if status == 405:
            assert "GET" in headers["allow"]
    # A long line nginx lets through is the app's to answer (gunicorn's limit is higher).
    got, _, body = _raw(port, _request("GET", "/api/titles/?search=" + "a" * 6000))
    assert got in (200, 400) and json.loads(body)


def _site_policy(edge, movie) -> None:
    track = SubtitleTrack.objects.filter(media_file=movie, kind="text").first()
    stream = signed(f"/s/{movie.file_hash}")
    subtitle = signed(f"/api/subs/{movie.file_hash}/{track.stream_index}.vtt")

    def get(url: str, host: str, **headers: str):
        return edge.get(url, headers={"Host": host, **headers})

    # The main site shows it: the door admits the stream, then nginx sends it itself; the
    # subtitle is cached at nginx.
    assert get(stream, MAIN, Range="bytes=0-9").status_code == 206
    again = get(stream, MAIN, Range="bytes=10-19")
    assert again.status_code == 206 and again.headers.get("x-edge") == "stream"
    assert get(subtitle, MAIN).status_code == 200
    assert get(subtitle, MAIN).headers.get("x-edge-cache") == "HIT"

    # Tenant B hides it: the same signed URLs find no link and no cached answer of the main
    # site, and the stream process says no.
    for _ in range(2):
        refused = get(stream, B, Range="bytes=0-9")
        assert refused.status_code == 404, refused.text
        assert refused.json()["error"]["code"] == "not_found"
        sub = get(subtitle, B)
        assert sub.status_code == 404 and sub.headers.get("x-edge-cache") != "HIT"

    # Tenant C is suspended: nothing, from any door.
    for url in (stream, subtitle):
        answer = get(url, C, Range="bytes=0-9")
        assert answer.status_code == 503, (url, answer.status_code, answer.text)
        assert answer.headers.get("x-edge-cache") != "HIT"

    # The main site is unaffected.
    assert get(stream, MAIN, Range="bytes=0-9").status_code == 206
    assert get(subtitle, MAIN).headers.get("x-edge-cache") == "HIT"
