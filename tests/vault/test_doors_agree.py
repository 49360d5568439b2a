"""nginx and the stream process answer the same request the same way — odd Range headers,
several ranges, a padded signature, a long or zero-padded expiry — as docs/vault.md documents
it, errors in the JSON error shape. Both doors of the shipped topology are asked: nginx (which
sends the linked local file itself) and the stream process directly."""

from __future__ import annotations

import time

import httpx
import pytest

from accounts.signing import signature
from ingest.local import media_ingest
from tests.streamvault.test_topology import running_topology

pytestmark = pytest.mark.django_db(transaction=True)

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


def test_nginx_and_the_stream_process_answer_alike(media, tmp_path, settings):
    movie = media_ingest(path=media.movie).media_file
    uri = f"/s/{movie.file_hash}"
    size = movie.size_bytes
    with running_topology(tmp_path, settings) as (edge, env, _work, _proc):
        cases = _cases(uri, size)
        assert edge.get(cases[0][1], headers={"Range": "bytes=0-1"}).status_code == 206
        assert edge.get(cases[0][1], headers={"Range": "bytes=0-1"}).headers["x-edge"] == "stream"
        door = httpx.Client(base_url=f"http://127.0.0.1:{env['STREAM_PORT']}", timeout=10)
        differ, wrong = [], []
        for name, url, headers, expected in cases:
            at_edge, at_door = (
                _seen(edge.get(url, headers=headers)),
                _seen(door.get(url, headers=headers)),
            )
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
