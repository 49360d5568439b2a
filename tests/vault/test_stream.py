"""/s/<file_hash>: signed, ranged streaming against a live uvicorn (real ffprobe and ffmpeg as
clients), and behind real nginx with X-Accel-Redirect."""

from __future__ import annotations

import io
import json
import os
import subprocess
import time

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

import vault
from catalog import services as catalog
from core.signing import signature
from ingest.local import media_ingest
from swarm.storage.account import TelegramBackend
from tests.factories import TitleFactory
from tests.support.telegram import CHAT, FakeTelegram
from vault.targets import targets as stream_targets

live = pytest.mark.django_db(transaction=True)


def signed_path(file_hash: str, *, ttl: int = 600, expires: int | None = None) -> str:
    uri = f"/s/{file_hash}"
    expires = expires if expires is not None else int(time.time()) + ttl
    return f"{uri}?md5={signature(uri=uri, expires=expires)}&expires={expires}"


def telegram_file(backend: TelegramBackend, data: bytes, *, container: str):
    """A media file whose bytes are a message in the (fake) storage channel."""
    stored = async_to_sync(backend.put)(io.BytesIO(data), file_name="m.mkv")
    return catalog.media_file_add(
        title=TitleFactory(),
        quality="720p",
        file_hash=stored.sha256,
        size_bytes=stored.size,
        backend="telegram",
        ref=stored.ref,
        tg_raw=stored.tg_raw,
        container=container,
    )


@pytest.fixture
def movie(media, live_vault):
    return media_ingest(path=media.movie).media_file


@live
def test_ffprobe_reads_the_stream(movie, live_vault):
    url = live_vault.url + signed_path(movie.file_hash)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    info = json.loads(out.stdout)
    assert [s["codec_name"] for s in info["streams"]] == [
        "h264",
        "flac",
        "subrip",
        "subrip",
        "hdmv_pgs_subtitle",
    ]
    assert float(info["format"]["duration"]) == pytest.approx(movie.duration, abs=0.1)


@live
def test_ffmpeg_seeks_into_the_stream(movie, live_vault, media, tmp_path):
    url = live_vault.url + signed_path(movie.file_hash)
    remote, local = tmp_path / "remote.png", tmp_path / "local.png"
    for src, out in ((url, remote), (str(media.movie), local)):
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-ss",
                "5",
                "-i",
                src,
                "-frames:v",
                "1",
                str(out),
            ],
            check=True,
            timeout=60,
        )
    assert remote.read_bytes() == local.read_bytes()  # the same frame as a local seek


@live
def test_ranges_and_headers(movie, live_vault, media):
    data = media.movie.read_bytes()
    size = len(data)
    url = live_vault.url + signed_path(movie.file_hash)
    with httpx.Client(timeout=30) as http:
        full = http.get(url)
        assert full.status_code == 200 and full.content == data
        assert full.headers["accept-ranges"] == "bytes"
        assert full.headers["content-length"] == str(size)
        assert full.headers["content-type"] == "video/x-matroska"
        assert full.headers["etag"] == f'"{movie.file_hash}"'
        assert (
            "Big%20Test%20Movie%20%282021%29%20%5B240p%5D.mkv"
            in (full.headers["content-disposition"])
        )

        cases = {
            "bytes=0-99": (0, 99),
            "bytes=1000-": (1000, size - 1),
            "bytes=-500": (size - 500, size - 1),
            f"bytes=100-{size + 5000}": (100, size - 1),  # clamped to the end
        }
        for header, (start, end) in cases.items():
            r = http.get(url, headers={"Range": header})
            assert r.status_code == 206, header
            assert r.headers["content-range"] == f"bytes {start}-{end}/{size}"
            assert r.headers["content-length"] == str(end - start + 1)
            assert r.content == data[start : end + 1]

        r = http.get(url, headers={"Range": f"bytes={size}-"})
        assert r.status_code == 416
        assert r.headers["content-range"] == f"bytes */{size}"

        r = http.get(url, headers={"Range": "bytes=0-1,5-6"})  # several ranges: whole file
        assert r.status_code == 200 and len(r.content) == size

        r = http.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
        assert r.status_code == 200 and len(r.content) == size

        r = http.head(url, headers={"Range": "bytes=10-19"})
        assert r.status_code == 206 and r.content == b""
        assert r.headers["content-length"] == "10"

        r = http.get(url, headers={"If-None-Match": f'"{movie.file_hash}"'})
        assert r.status_code == 304


@live
def test_signature_is_checked(movie, live_vault):
    base = live_vault.url
    with httpx.Client(timeout=30) as http:
        good = signed_path(movie.file_hash)
        tampered = good.replace("md5=", "md5=x")
        assert http.get(base + tampered).status_code == 403
        assert http.get(base + f"/s/{movie.file_hash}").status_code == 403
        past = signed_path(movie.file_hash, expires=int(time.time()) - 10)
        r = http.get(base + past)
        assert r.status_code == 410 and r.json()["error"]["code"] == "expired"
        other = signed_path("0" * 64)
        assert http.get(base + other).status_code == 404
        assert http.post(base + good).status_code == 405


def _rss_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


@live
def test_memory_stays_flat_while_streaming_a_large_file(live_vault, tmp_path):
    big = tmp_path / "big.mkv"
    with open(big, "wb") as f:
        block = os.urandom(1024 * 1024)
        for _ in range(192):
            f.write(block)
    stored = async_to_sync(vault.get_backend("local").put)(big)
    title = TitleFactory()
    mf = catalog.media_file_add(
        title=title,
        quality="1080p",
        file_hash=stored.sha256,
        size_bytes=stored.size,
        ref=stored.ref,
        container="mkv",
    )
    url = live_vault.url + signed_path(mf.file_hash)
    pid = live_vault.proc.pid
    with httpx.Client(timeout=60) as http:
        http.get(url, headers={"Range": "bytes=0-1048575"})  # warm up imports and pools
        before = _rss_kib(pid, "VmRSS")
        received = 0
        with http.stream("GET", url) as r:
            for chunk in r.iter_bytes(256 * 1024):
                received += len(chunk)
                if received < 64 * 1024 * 1024:
                    time.sleep(0.0005)  # a slow reader: the server must wait, not buffer
        peak = _rss_kib(pid, "VmRSS")
    assert received == stored.size
    growth_mib = (peak - before) / 1024
    assert growth_mib < 40, f"server RSS grew {growth_mib:.0f} MiB streaming 192 MiB"


@pytest.mark.django_db(transaction=True)
def test_telegram_backed_file_streams_through_the_endpoint(settings, fake_telegram):
    """In-process ASGI: a telegram-backed MediaFile served by the same view, with ranges."""
    cloud = FakeTelegram()
    backend = TelegramBackend(cloud, chat_id=CHAT)
    data = os.urandom(2 * 1024 * 1024 + 77)
    mf = telegram_file(backend, data, container="mp4")
    client = AsyncClient()

    async def fetch(headers):
        response = await client.get(signed_path(mf.file_hash), headers=headers)
        if not response.streaming:
            return response, response.content
        return response, b"".join([c async for c in response.streaming_content])

    vault.unregister("telegram")
    response, _ = async_to_sync(fetch)({})
    assert response.status_code == 503

    vault.register(backend)
    try:
        response, body = async_to_sync(fetch)({"Range": "bytes=1048570-1048589"})
        assert response.status_code == 206 and body == data[1048570:1048590]
        assert response["Content-Type"] == "video/mp4"
        response, body = async_to_sync(fetch)({})
        assert response.status_code == 200 and body == data
    finally:
        vault.unregister("telegram")


@live
def test_x_accel_redirect_behind_nginx(media, accel_stack, settings):
    server, nginx = accel_stack
    settings.VAULT_DIR = server.vault_dir
    mf = media_ingest(path=media.movie).media_file
    data = media.movie.read_bytes()
    path = signed_path(mf.file_hash)
    with httpx.Client(timeout=30) as http:
        upstream = http.get(server.url + path)  # what our endpoint answers nginx
        assert upstream.status_code == 200 and upstream.content == b""
        accel = upstream.headers["x-accel-redirect"]
        assert accel == f"/_vault/{mf.ref[:2]}/{mf.ref[2:4]}/{mf.ref}"
        assert http.get(nginx.url + accel).status_code == 404  # internal only

        r = http.get(nginx.url + path, headers={"Range": "bytes=100-199"})
        assert r.status_code == 206 and r.content == data[100:200]
        assert r.headers["content-type"] == "video/x-matroska"
        assert r.headers["content-range"] == f"bytes 100-199/{len(data)}"
        assert "etag" in r.headers  # nginx's own (mtime-size) for the internal file
        assert http.get(nginx.url + path).content == data
        assert http.get(nginx.url + path.replace("md5=", "md5=x")).status_code == 403

    url = nginx.url + path
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert float(out.stdout) == pytest.approx(mf.duration, abs=0.1)
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-ss",
            "5",
            "-i",
            url,
            "-frames:v",
            "1",
            "-f",
            "null",
            "-",
        ],
        check=True,
        timeout=60,
    )


@live
def test_a_season_pack_downloads_through_a_signed_url(media, live_vault):
    from ingest.packs import season_pack_build

    series = TitleFactory(media_type="series", title="Test Show", year=2020)
    media_ingest(path=media.episode1, title=series, season=1, episode=1)
    pack = season_pack_build(series=series, season=1)
    r = httpx.get(live_vault.url + signed_path(pack.ref), timeout=30)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert "Test%20Show%20%282020%29%20S01.zip" in r.headers["content-disposition"]
    assert r.content == get_local_bytes(pack.ref)


def get_local_bytes(ref: str) -> bytes:
    return vault.get_backend("local").path(ref).read_bytes()


@pytest.mark.django_db
def test_banned_titles_and_dead_files_do_not_stream(media):
    from django.test import Client

    mf = media_ingest(path=media.movie).media_file
    client = Client()
    assert client.head(signed_path(mf.file_hash)).status_code == 200
    catalog.title_set_status(title=mf.title, status="banned")
    stream_targets.clear()
    assert client.head(signed_path(mf.file_hash)).status_code == 404
    catalog.title_set_status(title=mf.title, status="available")
    catalog.media_file_set_status(media_file=mf, status="dead")
    stream_targets.clear()
    assert client.head(signed_path(mf.file_hash)).status_code == 404
