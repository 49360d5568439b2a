"""Signed stream URLs against the real thing: a private nginx with ``secure_link`` and the
same secret, in front of a plain file."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import time
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from django.core.management import CommandError, call_command

from core import signing
from core.signing import LinkCheck
from tests.conftest import require
from tests.factories import TitleFactory, add_file, file_hash

SECRET = "nginx-test-secret s3cr3t"  # a space inside: nginx takes the rest of the string


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )


@pytest.fixture
def nginx(tmp_path):
    """nginx on a free port: /s/<name> served from a temp dir behind secure_link_md5."""
    binary = _nginx_binary()
    require(binary is not None, "needs nginx (apt package nginx; scripts/test.sh installs it)")
    files = tmp_path / "files"
    files.mkdir()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
master_process off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /s/ {{
            secure_link $arg_md5,$arg_expires;
            secure_link_md5 "$secure_link_expires$uri {SECRET}";
            if ($secure_link = "") {{ return 403; }}
            if ($secure_link = "0") {{ return 410; }}
            default_type application/octet-stream;
            alias {files}/;
        }}
    }}
}}
"""
    )
    proc = subprocess.Popen(
        [binary, "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log = (
                    (tmp_path / "error.log").read_text()
                    if (tmp_path / "error.log").exists()
                    else ""
                )
                raise RuntimeError(f"nginx did not start: {proc.stdout.read()!r} {log}") from None
            time.sleep(0.05)
    try:
        yield {"base": f"http://127.0.0.1:{port}", "files": files}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _parts(url: str) -> tuple[str, str, str]:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    return parsed.path, query["md5"][0], query["expires"][0]


def _url(base: str, path: str, md5: str, expires: str) -> str:
    return f"{base}{path}?{urlencode({'md5': md5, 'expires': expires})}"


@pytest.mark.django_db
def test_gatekeeper_urls_work_on_real_nginx(nginx, settings, api):
    settings.STREAM_SIGNING_SECRET = SECRET
    settings.STREAM_BASE_URL = nginx["base"]
    title = TitleFactory()
    media_file = add_file(title, quality="1080p", duration=3600.0)
    other = add_file(title, quality="720p", duration=3600.0)
    payload = os.urandom(64 * 1024)
    (nginx["files"] / media_file.file_hash).write_bytes(payload)
    (nginx["files"] / other.file_hash).write_bytes(b"other file")

    grant = api.post(
        f"/api/stream/{media_file.file_hash}/", {}, format="json", HTTP_X_DEVICE_FINGERPRINT="d"
    ).json()
    with httpx.Client(timeout=10) as http:
        full = http.get(grant["url"])
        assert full.status_code == 200 and full.content == payload
        part = http.get(grant["url"], headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206
        assert part.content == payload[100:1100]
        assert part.headers["content-range"] == f"bytes 100-1099/{len(payload)}"

        path, md5, expires = _parts(grant["url"])
        assert signing.verify(uri=path, md5=md5, expires=expires) == LinkCheck.OK
        flipped = ("A" if md5[0] != "A" else "B") + md5[1:]  # the last char has padding bits
        tampered = {
            "md5": _url(nginx["base"], path, flipped, expires),
            "uri": _url(nginx["base"], f"/s/{other.file_hash}", md5, expires),
            "expires": _url(nginx["base"], path, md5, str(int(expires) + 1)),
            "missing": f"{nginx['base']}{path}",
        }
        for name, url in tampered.items():
            assert http.get(url).status_code == 403, name
            p, q = urlparse(url).path, parse_qs(urlparse(url).query)
            ours = signing.verify(
                uri=p, md5=q.get("md5", [None])[0], expires=q.get("expires", [None])[0]
            )
            assert ours == LinkCheck.INVALID, name

        expired = signing.sign(uri=path, ttl=-5)
        assert http.get(expired.url).status_code == 410
        _, md5_old, expires_old = _parts(expired.url)
        assert signing.verify(uri=path, md5=md5_old, expires=expires_old) == LinkCheck.EXPIRED
        # A URL signed with another secret is refused: the secret is really in the hash.
        settings.STREAM_SIGNING_SECRET = "another secret"
        assert http.get(signing.sign(uri=path, ttl=60).url).status_code == 403


def test_sign_url_command_prints_a_url_nginx_accepts(nginx, settings):
    settings.STREAM_SIGNING_SECRET = SECRET
    settings.STREAM_BASE_URL = nginx["base"]
    name = file_hash()
    (nginx["files"] / name).write_bytes(b"hello nginx")
    out = io.StringIO()
    call_command("sign_url", f"/s/{name}", "--ttl", "120", stdout=out)
    url = out.getvalue().strip()
    expires = _parts(url)[2]
    assert url.startswith(f"{nginx['base']}/s/{name}?")
    assert 115 <= int(expires) - time.time() <= 121
    assert httpx.get(url, timeout=10).content == b"hello nginx"
    with pytest.raises(CommandError):
        call_command("sign_url", "s/no-slash", "--ttl", "10")
    with pytest.raises(CommandError):
        call_command("sign_url", "/s/x", "--ttl", "0")


def test_signature_matches_the_nginx_documentation_example(settings):
    """nginx docs (ngx_http_secure_link_module): for ``secure_link_md5 "$secure_link_expires$uri
    $remote_addr secret"``, expires 2147483647, uri /s/link, remote_addr 127.0.0.1 →
    ``_e4Nc3iduzkWRm01TBBNYw``. Our scheme has no remote_addr; folding it into the uri gives
    the same string to hash."""
    settings.STREAM_SIGNING_SECRET = "secret"
    assert signing.signature(uri="/s/link127.0.0.1", expires=2147483647) == (
        "_e4Nc3iduzkWRm01TBBNYw"
    )
    md5 = signing.signature(uri="/s/link", expires=2147483647)
    assert signing.verify(uri="/s/link", md5=md5, expires="2147483647", now=0) == LinkCheck.OK
    assert signing.verify(uri="/s/link", md5=md5, expires="2147483647", now=2147483648) == (
        LinkCheck.EXPIRED
    )
    assert signing.verify(uri="/s/link", md5=md5, expires="-1") == LinkCheck.INVALID
    assert signing.verify(uri="/s/link", md5=None, expires="2147483647") == LinkCheck.INVALID
