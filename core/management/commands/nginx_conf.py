"""``manage.py nginx_conf --out PATH``: render ``deploy/nginx.conf.template`` with this
deployment's settings (docs/deploy.md). The Procfile's ``edge`` process renders it at start, so
the signing secret lives only in the environment and the rendered file (mode 0600)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx.conf.template"
RTMP_TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx-rtmp.conf.template"
MODULES = Path("/usr/lib/nginx/modules")
# nginx cannot escape "$" in a string, and quotes, braces or ";" would end it early.
_SAFE_SECRET = re.compile(r"[A-Za-z0-9_\-.~+/=:@%!*]{16,}")


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return text


def _live() -> dict[str, str]:
    """The RTMP side (nginx-rtmp: OBS in, HLS out) when LIVE_RTMP_LISTEN is set, the HLS
    segments location when LIVE_HLS_DIR is."""
    hls_dir = settings.LIVE_HLS_DIR
    segments = ""
    if hls_dir:
        segments = (
            '        location ~ "^/live/hls/(?<sv_segment>[A-Za-z0-9_-]{1,16}-[0-9]{1,9}'
            '\\.ts)$" {\n'
            f"            alias {Path(hls_dir).resolve()}/$sv_segment;\n"
            "            types { video/mp2t ts; }\n"
            '            add_header Cache-Control "public, max-age=60" always;\n'
            "        }"
        )
    listen = _env("LIVE_RTMP_LISTEN", "")
    if not listen:
        return {"RTMP": "", "RTMP_CONTROL": "", "LIVE_HLS": segments, "RTMP_MODULE": ""}
    secret = settings.LIVE_RTMP_CALLBACK_SECRET
    if not re.fullmatch(r"[A-Za-z0-9_\-]{16,}", secret):
        raise CommandError("LIVE_RTMP_CALLBACK_SECRET must be 16+ letters, digits, _ or -.")
    if not (hls_dir and settings.LIVE_RECORD_DIR):
        raise CommandError("LIVE_RTMP_LISTEN needs LIVE_HLS_DIR and LIVE_RECORD_DIR.")
    if not (MODULES / "ngx_rtmp_module.so").exists():
        raise CommandError("LIVE_RTMP_LISTEN needs Debian's libnginx-mod-rtmp.")
    for folder in (hls_dir, settings.LIVE_RECORD_DIR):
        Path(folder).mkdir(parents=True, exist_ok=True)
    web = _env("APP_HOST", "127.0.0.1") + ":" + _env("WEB_PORT", "8001")
    rtmp = _fill(
        RTMP_TEMPLATE.read_text(),
        {
            "RTMP_LISTEN": listen,
            "RTMP_PORT": listen.rsplit(":", 1)[-1],
            "CALLBACK": f"http://{web}/api/live/rtmp",
            "CALLBACK_SECRET": secret,
            "RECORD_DIR": str(Path(settings.LIVE_RECORD_DIR).resolve()),
            "HLS_DIR": str(Path(hls_dir).resolve()),
        },
    )
    control = _env("LIVE_RTMP_CONTROL_LISTEN", "127.0.0.1:8081")
    control_server = (
        "    # nginx-rtmp's control interface (ending a broadcast): loopback only.\n"
        f"    server {{\n        listen {control};\n"
        "        location /control { rtmp_control all; }\n"
        "        location / { return 404; }\n    }"
    )
    return {
        "RTMP": rtmp,
        "RTMP_CONTROL": control_server,
        "LIVE_HLS": segments,
        "RTMP_MODULE": f"load_module {MODULES}/ngx_rtmp_module.so;",
    }


def render(*, run_dir: Path) -> str:
    secret = settings.STREAM_SIGNING_SECRET
    if not _SAFE_SECRET.fullmatch(secret):
        raise CommandError(
            "STREAM_SIGNING_SECRET must be 16+ characters of letters, digits and _-.~+/=:@%!* "
            "(nginx's secure_link_md5 cannot hold $, quotes, spaces or ;). Make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if not settings.EDGE_DIR:
        raise CommandError("EDGE_DIR is not set: nginx serves documents and streams from it.")
    modules, brotli = [], ""
    if (MODULES / "ngx_http_brotli_filter_module.so").exists():
        modules.append(f"load_module {MODULES}/ngx_http_brotli_filter_module.so;")
        brotli = (
            "    brotli on;\n"
            "    brotli_types application/json text/vtt text/css application/javascript;"
        )
    listen_addr = _env("EDGE_LISTEN", "0.0.0.0:80")
    cert, key = _env("EDGE_TLS_CERT", ""), _env("EDGE_TLS_KEY", "")
    if cert and key:
        listen = (
            f"        listen {listen_addr} ssl http2;\n"
            f"        ssl_certificate {cert};\n"
            f"        ssl_certificate_key {key};\n"
            "        ssl_protocols TLSv1.2 TLSv1.3;\n"
            "        ssl_session_cache shared:streamvault_tls:10m;"
        )
    else:
        listen = f"        listen {listen_addr};"
    proxies = [p for p in _env("EDGE_TRUSTED_PROXIES", "").split(",") if p.strip()]
    real_ip = "\n".join(f"    set_real_ip_from {p.strip()};" for p in proxies)
    if proxies:
        real_ip += "\n    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;"
    log_dir = Path(_env("EDGE_LOG_DIR", str(run_dir)))
    bytes_log = settings.TENANT_NGINX_BYTES_LOG or str(log_dir / "bytes.log")
    # Started as root (a container, the test suite), nginx would drop its workers to "nobody";
    # say who they run as. Started as the service user (systemd), there is nothing to say.
    user = f"user {_env('EDGE_USER', 'www-data')};" if os.geteuid() == 0 else ""
    live = _live()
    if live["RTMP_MODULE"]:
        modules.append(live["RTMP_MODULE"])
    del live["RTMP_MODULE"]
    values = {
        **live,
        "LOAD_MODULES": "\n".join([*modules, user]),
        "WORKERS": _env("EDGE_WORKERS", "auto"),
        "RUN_DIR": str(run_dir),
        "LOG_DIR": str(log_dir),
        "ACCESS_LOG": _env("EDGE_ACCESS_LOG", f"{log_dir}/access.log streamvault"),
        "CLIENT_MAX_BODY_SIZE": _env("EDGE_CLIENT_MAX_BODY_SIZE", "64m"),
        "REAL_IP": real_ip,
        "BROTLI": brotli,
        "CACHE_MAX_SIZE": _env("EDGE_CACHE_MAX_SIZE", "2g"),
        "WEB_UPSTREAM": _env("APP_HOST", "127.0.0.1") + ":" + _env("WEB_PORT", "8001"),
        "STREAM_UPSTREAM": _env("APP_HOST", "127.0.0.1") + ":" + _env("STREAM_PORT", "8002"),
        "LISTEN": listen,
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "EDGE_DIR": str(Path(settings.EDGE_DIR).resolve()),
        "SIGNING_SECRET": secret,
        "VAULT_OBJECTS": str(Path(settings.VAULT_DIR).resolve() / "objects"),
        "BYTES_LOG": bytes_log,
    }
    text = _fill(TEMPLATE.read_text(), values)
    left = re.findall(r"\{\{[A-Z_]+\}\}", text)
    if left:
        raise CommandError(f"unfilled placeholders: {left}")
    return text


LIVE_ONLY = """{modules}
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 256; }}
{rtmp}
http {{
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
{control}
}}
"""


def render_live_only(*, run_dir: Path) -> str:
    """Only the RTMP side and its control interface (``scripts/dev.sh``: the app itself serves
    everything else, HLS playlists and segments included)."""
    live = _live()
    if not live["RTMP"]:
        raise CommandError("--live-only needs LIVE_RTMP_LISTEN.")
    user = f"user {_env('EDGE_USER', 'www-data')};" if os.geteuid() == 0 else ""
    return LIVE_ONLY.format(
        modules="\n".join([live["RTMP_MODULE"], user]),
        run=run_dir,
        rtmp=live["RTMP"],
        control=live["RTMP_CONTROL"],
    )


class Command(BaseCommand):
    help = "Render deploy/nginx.conf.template for this deployment."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="where to write nginx.conf")
        parser.add_argument(
            "--live-only", action="store_true", help="only the RTMP side (scripts/dev.sh)"
        )

    def handle(self, *args, out: str, live_only: bool = False, **options):
        path = Path(out).resolve()
        run_dir = path.parent
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (run_dir / sub).mkdir(parents=True, exist_ok=True)
        if live_only:
            text = render_live_only(run_dir=run_dir)
        else:
            Path(settings.EDGE_DIR).mkdir(parents=True, exist_ok=True)
            text = render(run_dir=run_dir)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
        self.stdout.write(f"wrote {path}")
