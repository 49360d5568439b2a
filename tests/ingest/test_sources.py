"""Outside HTTP APIs against local servers: the leech (status, content sanity, size cap,
Range resume, SOCKS5), TMDB v3 in its documented format, and a mirror host."""

from __future__ import annotations

import json
import select
import socket
import socketserver
import struct
import threading

import pytest
from django.core.cache import cache

from ingest.leech import leech_download
from ingest.mirrors import GenericHttpMirror, mirror_hosts, mirrors_upload
from ingest.tmdb import TmdbClient, tmdb_match
from jobs.engine import PermanentError, TransientError
from tests.support.swarm import INVALID_KEY, TMDB_KEY, FileServe, tmdb_install

# --- leech -------------------------------------------------------------------------------------


@pytest.fixture
def blob(tmp_path):
    path = tmp_path / "blob.mkv"
    path.write_bytes(bytes(range(256)) * 4096)  # 1 MiB
    return path


def test_leech_downloads_and_names_the_file(file_server, blob, tmp_path):
    file_server.expect_request("/get").respond_with_handler(FileServe(blob))
    seen = []
    got = leech_download(
        url=file_server.url_for("/get"),
        dest=tmp_path / "out",
        on_progress=lambda d, t: seen.append((d, t)),
    )
    assert got.size == blob.stat().st_size and got.path.read_bytes() == blob.read_bytes()
    assert got.resumed_from == 0 and got.file_name == "get"
    assert seen[-1] == (got.size, got.size)


def test_leech_resumes_a_partial_download_with_range(file_server, blob, tmp_path):
    serve = FileServe(blob)
    file_server.expect_request("/v.mkv").respond_with_handler(serve)
    dest = tmp_path / "v.part"
    dest.write_bytes(blob.read_bytes()[:300_000])  # what an interrupted attempt left
    got = leech_download(url=file_server.url_for("/v.mkv"), dest=dest)
    assert serve.ranges == ["bytes=300000-"]
    assert got.resumed_from == 300_000
    assert dest.read_bytes() == blob.read_bytes()


def test_leech_restarts_when_the_server_ignores_range(file_server, blob, tmp_path):
    file_server.expect_request("/norange").respond_with_data(
        blob.read_bytes(), content_type="video/mp4"
    )
    dest = tmp_path / "n.part"
    dest.write_bytes(b"garbage from an earlier attempt")
    got = leech_download(url=file_server.url_for("/norange"), dest=dest)
    assert got.resumed_from == 0 and dest.read_bytes() == blob.read_bytes()


def test_connection_drop_is_transient_and_keeps_the_partial(file_server, blob, tmp_path):
    file_server.expect_request("/drop").respond_with_handler(FileServe(blob, drop_after=400_000))
    dest = tmp_path / "d.part"
    with pytest.raises(TransientError):
        leech_download(url=file_server.url_for("/drop"), dest=dest)
    assert 0 < dest.stat().st_size <= 400_000
    got = leech_download(url=file_server.url_for("/drop"), dest=dest)
    assert got.resumed_from > 0 and dest.read_bytes() == blob.read_bytes()


@pytest.mark.parametrize(
    ("status", "error"), [(404, PermanentError), (410, PermanentError), (503, TransientError)]
)
def test_leech_status_outcomes(file_server, tmp_path, status, error):
    file_server.expect_request("/x").respond_with_data("nope", status=status)
    with pytest.raises(error, match=f"HTTP {status}"):
        leech_download(url=file_server.url_for("/x"), dest=tmp_path / "x")
    assert not (tmp_path / "x").exists() or (tmp_path / "x").stat().st_size == 0


def test_leech_refuses_an_html_page(file_server, tmp_path):
    file_server.expect_request("/page").respond_with_data(
        "<html>Download here!</html>", content_type="text/html; charset=utf-8"
    )
    with pytest.raises(PermanentError, match="not a media file: the server sent text/html"):
        leech_download(url=file_server.url_for("/page"), dest=tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_leech_size_cap(file_server, blob, tmp_path):
    file_server.expect_request("/big").respond_with_handler(FileServe(blob))
    with pytest.raises(PermanentError, match="too large"):
        leech_download(url=file_server.url_for("/big"), dest=tmp_path / "b", max_bytes=1000)


def test_leech_timeout_is_transient(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)  # accepts the connection, never answers
    port = sock.getsockname()[1]
    try:
        with pytest.raises(TransientError, match="Timeout"):
            leech_download(url=f"http://127.0.0.1:{port}/slow", dest=tmp_path / "s", timeout=0.5)
    finally:
        sock.close()


class _Socks5(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    used = 0


class _Socks5Handler(socketserver.BaseRequestHandler):
    """A minimal SOCKS5 proxy (no auth, CONNECT only), enough to prove traffic goes through."""

    def handle(self) -> None:
        c = self.request
        nmethods = c.recv(2)[1]  # greeting: version, number of methods, methods
        c.recv(nmethods)
        c.sendall(b"\x05\x00")
        head = c.recv(4)
        if head[3] == 1:
            host = socket.inet_ntoa(c.recv(4))
        else:
            host = c.recv(c.recv(1)[0]).decode()
        port = struct.unpack(">H", c.recv(2))[0]
        upstream = socket.create_connection((host, port))
        self.server.used += 1
        c.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", port))
        sockets = [c, upstream]
        while True:
            ready, _, _ = select.select(sockets, [], [], 5)
            if not ready:
                break
            for s in ready:
                data = s.recv(65536)
                if not data:
                    upstream.close()
                    return
                (upstream if s is c else c).sendall(data)


def test_leech_through_a_socks5_proxy(file_server, blob, tmp_path):
    proxy = _Socks5(("127.0.0.1", 0), _Socks5Handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    file_server.expect_request("/via").respond_with_handler(FileServe(blob))
    try:
        got = leech_download(
            url=file_server.url_for("/via"),
            dest=tmp_path / "via",
            proxy=f"socks5://127.0.0.1:{proxy.server_address[1]}",
        )
    finally:
        proxy.shutdown()
    assert got.size == blob.stat().st_size and proxy.used == 1


# --- TMDB --------------------------------------------------------------------------------------


@pytest.fixture
def tmdb(file_server, settings):
    tmdb_install(file_server)
    settings.TMDB_API_KEY = TMDB_KEY
    settings.TMDB_BASE_URL = file_server.url_for("/3")
    return file_server


def test_tmdb_movie_match_and_cache(tmdb):
    match = tmdb_match(name="Big Test Movie", year=2021, media_type="movie")
    assert match.tmdb_id == 424242 and match.title == "Big Test Movie" and match.year == 2021
    assert match.genres == ["Action", "Drama"] and match.rating == 8.4
    assert match.poster_path == "/bigtest-poster.jpg"
    hits = len(tmdb.log)
    assert tmdb_match(name="Big Test Movie", year=2021, media_type="movie") == match
    assert len(tmdb.log) == hits  # the second lookup came from the Redis cache


def test_tmdb_series_match(tmdb):
    match = tmdb_match(name="Test Show", year=None, media_type="series")
    assert (match.tmdb_id, match.media_type, match.series_status) == (777001, "series", "ended")


def test_tmdb_no_plausible_match(tmdb):
    assert tmdb_match(name="Completely Unknown Thing", year=1999, media_type="movie") is None


def test_tmdb_bad_key_means_no_match_not_a_failure(tmdb, settings):
    settings.TMDB_API_KEY = "wrong"
    cache.clear()
    assert tmdb_match(name="Big Test Movie", year=2021, media_type="movie") is None
    response = tmdb.log[-1][1]
    assert response.status_code == 401 and json.loads(response.get_data()) == INVALID_KEY


def test_tmdb_image_urls_follow_the_configuration(tmdb):
    client = TmdbClient(api_key=TMDB_KEY, base_url=tmdb.url_for("/3"))
    assert client.image_url("/p.jpg", "w500") == tmdb.url_for("/t/p/w500/p.jpg")
    assert client.image_url("/p.jpg", "w9999") == tmdb.url_for("/t/p/original/p.jpg")


def test_tmdb_server_errors_are_transient(file_server, settings):
    file_server.expect_request("/3/search/movie").respond_with_data("busy", status=503)
    settings.TMDB_API_KEY = TMDB_KEY
    settings.TMDB_BASE_URL = file_server.url_for("/3")
    with pytest.raises(TransientError, match="503"):
        tmdb_match(name="Anything", year=None, media_type="movie")


# --- mirrors -------------------------------------------------------------------------------------


def test_generic_mirror_upload_check_and_failures(file_server, blob, settings):
    file_server.expect_request("/api/upload", method="POST").respond_with_json(
        {"status": "ok", "result": {"url": file_server.url_for("/f/abc")}}
    )
    file_server.expect_request("/f/abc", method="HEAD").respond_with_data("")
    file_server.expect_request("/broken/upload", method="POST").respond_with_data(
        "down", status=502
    )
    settings.MIRROR_MIN_BYTES = 1000
    settings.MIRROR_RETRY_SECONDS = 0
    settings.MIRROR_HOSTS = [
        {
            "name": "Good Host",
            "upload_url": file_server.url_for("/api/upload"),
            "api_key": "k1",
            "url_field": "result.url",
            "icon": "good.png",
        },
        {"name": "Bad Host", "upload_url": file_server.url_for("/broken/upload")},
    ]
    assert [h.name for h in mirror_hosts()] == ["Good Host", "Bad Host"]
    mirrors, errors = mirrors_upload(path=blob, file_name="Film.mkv", size=blob.stat().st_size)
    assert mirrors == [
        {
            "host": "Good Host",
            "url": file_server.url_for("/f/abc"),
            "icon": "good.png",
            "status": "active",
        }
    ]
    assert errors == ["Bad Host: HTTP 502 (after 3 tries)"]
    upload = next(req for req, _ in file_server.log if req.path == "/api/upload")
    assert upload.headers["Authorization"] == "Bearer k1"
    assert upload.files["file"].filename == "Film.mkv"
    assert GenericHttpMirror(name="g", upload_url="").check(file_server.url_for("/f/abc"))
    assert not GenericHttpMirror(name="g", upload_url="").check(file_server.url_for("/f/none"))
    # Small files are not mirrored at all.
    assert mirrors_upload(path=blob, file_name="x", size=10) == ([], [])
