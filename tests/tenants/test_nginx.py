"""Tenants through a real nginx: a wildcard ``server_name`` for tenant subdomains and a default
server for custom domains, both passing the Host on to the ASGI app, which decides the site.
Two tenants show different brands and catalogs from the same database; hosts as browsers send
them resolve; an unknown host is Django's 400; a range nginx sends itself (X-Accel) is logged
in the bytes log and counted for the tenant it was sent to."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from django.db import connection

from catalog.models import ContentRating
from ingest.local import media_ingest
from tenants.models import TenantDailyStats
from tenants.nginxlog import nginx_bytes_ingest
from tenants.traffic import today
from tests.conftest import require
from tests.factories import TitleFactory
from tests.support.media import _db_env, _stop, free_port, start_uvicorn, wait_http
from tests.support.signed import signed

pytestmark = pytest.mark.django_db(transaction=True)

SITE = """
    add_header X-Served-By {name} always;
    location / {{
        proxy_pass {upstream};
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_buffering off;
    }}
    location /_vault/ {{
        internal;
        alias {objects}/;
        access_log {work}/bytes.log streamvault_bytes;
    }}
"""

CONF = """
daemon off;
worker_processes 1;
{user}
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    log_format streamvault_bytes '$msec $host $body_bytes_sent';
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        server_name *.example.test;
        {wildcard}
    }}
    server {{
        listen 127.0.0.1:{port} default_server;
        server_name _;
        {default}
    }}
}}
"""


def _nginx(work: Path, upstream: str, objects: Path):
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    require(os.path.exists(binary), "needs nginx (scripts/test.sh installs it)")
    port = free_port()
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    site = {"upstream": upstream, "objects": objects, "work": work}
    (work / "nginx.conf").write_text(
        CONF.format(
            user="user root;" if os.geteuid() == 0 else "",
            work=work,
            port=port,
            wildcard=SITE.format(name="wildcard", **site),
            default=SITE.format(name="default", **site),
        )
    )
    proc = subprocess.Popen([binary, "-c", str(work / "nginx.conf"), "-p", str(work)])
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/api/", proc, timeout=20)
    return url, proc


def test_two_tenants_through_nginx_with_wildcards(site, media, tmp_path, settings):
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    a = site("Tenant A", "tenant-a.example.test", primary_color="#ff0000")
    site(
        "Tenant B",
        "tenant-b.example.test",
        primary_color="#0000ff",
        allowed_ratings=[ContentRating.SAFE],
    )
    site("Anime Hub", "anime-hub.com")
    settings.VAULT_DIR = tmp_path / "vault"
    movie = media_ingest(path=media.movie).media_file  # safe
    TitleFactory(title="Late Night", content_rating=ContentRating.ADULT)
    server = start_uvicorn(
        settings.VAULT_DIR,
        VAULT_ACCEL_REDIRECT="/_vault/",
        TENANT_CHECK_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1",
        **_db_env(),
    )
    try:
        url, proc = _nginx(tmp_path / "nginx", server.url, settings.VAULT_DIR / "objects")
        try:
            _check(url, tmp_path / "nginx", movie, a)
        finally:
            _stop(proc)
    finally:
        _stop(server.proc)


def _check(url: str, work: Path, movie, a) -> None:
    with httpx.Client(base_url=url, timeout=30) as http:

        def get(path: str, host: str, **headers: str) -> httpx.Response:
            return http.get(path, headers={"Host": host, **headers})

        one = get("/api/site/", "tenant-a.example.test")
        assert one.headers["x-served-by"] == "wildcard"
        assert one.json()["name"] == "Tenant A" and one.json()["primary_color"] == "#ff0000"
        two = get("/api/site/", "TENANT-B.Example.Test.")  # as a browser may send it
        assert two.headers["x-served-by"] == "wildcard" and two.json()["name"] == "Tenant B"
        custom = get("/api/site/", "anime-hub.com:8080")
        assert custom.headers["x-served-by"] == "default" and custom.json()["name"] == "Anime Hub"
        assert get("/api/site/", "nobody.example.test").status_code == 400
        assert get("/api/site/", "evil.example").status_code == 400

        titles = {
            host: {t["title"] for t in get("/api/titles/", host).json()["results"]}
            for host in ("tenant-a.example.test", "tenant-b.example.test")
        }
        assert titles["tenant-a.example.test"] - titles["tenant-b.example.test"] == {"Late Night"}

        ranged = get(
            signed(f"/s/{movie.file_hash}"), "tenant-a.example.test", Range="bytes=100-1123"
        )
        assert ranged.status_code == 206 and len(ranged.content) == 1024
        assert ranged.headers["x-served-by"] == "wildcard"
    # nginx sent those bytes itself: its bytes log says so, and the tenant is credited.
    assert nginx_bytes_ingest(path=str(work / "bytes.log")) == 1024
    assert TenantDailyStats.objects.get(tenant=a, day=today()).nginx_bytes == 1024
