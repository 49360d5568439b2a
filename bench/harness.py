"""Process and load-generator harness for ``bench/api_read.py``: gunicorn and nginx started
and stopped as a group, wrk with a Lua path list, percentiles. No Django here."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# Production settings (DEBUG off) need the site's address; the benchmarks run on loopback.
os.environ.setdefault("SITE_URL", "http://127.0.0.1:8000")

ROOT = Path(__file__).resolve().parent.parent

LUA = """
-- Cycles through the paths in args[1]; each thread starts at its own offset, so the threads
-- together ask for as many different ids as possible before any repeats.
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  idx = math.floor(#paths * id / tonumber(args[2]))
end
function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx])
end
"""
NGINX_CONF = """
worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    types {{ application/json json; }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        # The API's URL, served from <root>/docs/<short_id>.json.
        location /api/titles/ {{
            rewrite ^/api/titles/([0-9A-Za-z]+)/$ /docs/$1.json break;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# --- processes ---------------------------------------------------------------------------


class Processes:
    """Processes this run started; all stopped (their whole process group) on exit."""

    def __init__(self, work: Path) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.pidfile = work / "bench-pids"

    def start(self, name: str, cmd: list[str], log: Path, **kw: Any) -> subprocess.Popen:
        out = log.open("ab")
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kw
        )
        self.procs.append((name, proc))
        with self.pidfile.open("a") as f:
            f.write(f"{proc.pid}\n")
        return proc

    def stop_all(self) -> None:
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
        self.pidfile.unlink(missing_ok=True)


def wait_http(url: str, proc: subprocess.Popen, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see its log")
        with contextlib.suppress(httpx.HTTPError):  # not listening yet
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer {url} within {timeout} s")


def start_gunicorn(
    procs: Processes,
    work: Path,
    kind: str,
    workers: int,
    app: str = "streamvault.wsgi:application",
) -> str:
    port = free_port()
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    if kind == "sync":
        cmd += ["--worker-class", "sync", app]
    elif kind == "gthread":
        cmd += ["--worker-class", "gthread", "--threads", "4", app]
    elif kind == "uvicorn":
        cmd += ["--worker-class", "uvicorn.workers.UvicornWorker", "streamvault.asgi:application"]
    else:
        raise ValueError(kind)
    procs.start("gunicorn", cmd, work / "gunicorn.log", cwd=ROOT)
    return f"http://127.0.0.1:{port}"


def start_nginx(procs: Processes, work: Path, workers: int) -> str:
    prefix = work / "nginx"
    prefix.mkdir(exist_ok=True)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(workers=workers, prefix=prefix, port=port, root=work / "static")
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    procs.start("nginx", [nginx, "-p", str(prefix), "-c", str(conf)], prefix / "stdout.log")
    return f"http://127.0.0.1:{port}"


# --- wrk ---------------------------------------------------------------------------------


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(base: str, paths_file: Path, lua: Path, args: argparse.Namespace) -> WrkResult:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--latency",
        "-s",
        str(lua),
        base,
        "--",
        str(paths_file),
        str(args.threads),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        requests=int(re.search(r"(\d+) requests in", out).group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        # read errors are sync workers closing kept-alive connections, not failures
        socket_errors=sum(int(errors.group(i)) for i in (1, 3, 4)) if errors else 0,
    )
