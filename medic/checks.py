"""Health checks of outside links (HTTP) and of stored files (vault, ffprobe). Pure I/O: no
database access, so callers run them outside any transaction.

HTTP: ``HEAD`` first; a server that refuses HEAD (405/501) gets ``GET`` with ``Range:
bytes=0-0`` (the body is never read). Redirects are followed up to a limit (a loop fails as
"redirect loop"). Concurrency is bounded overall and per host, and requests to one host are
spaced by a politeness delay.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

# Outcomes worth a second look before a link is called dead (the host may just be busy).
TRANSIENT_CODES = {408, 425, 429, 500, 502, 503, 504}
USER_AGENT = "StreamVault-Medic/1.0 (+link health check)"


@dataclass(frozen=True)
class UrlCheck:
    url: str
    ok: bool
    status_code: int | None = None
    error: str = ""
    elapsed_ms: int = 0
    method: str = "HEAD"
    transient: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _HostGate:
    """At most ``per_host`` requests in flight per host, started ``delay`` seconds apart."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.per_host = per_host
        self.delay = delay
        self.sems: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
        self.locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.last: dict[str, float] = {}

    async def wait_turn(self, host: str) -> None:
        async with self.locks[host]:
            wait = self.last.get(host, 0.0) + self.delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.last[host] = time.monotonic()


async def _check(client: httpx.AsyncClient, url: str) -> UrlCheck:
    started = time.monotonic()

    def done(**kw: Any) -> UrlCheck:
        return UrlCheck(url=url, elapsed_ms=int((time.monotonic() - started) * 1000), **kw)

    method = "HEAD"
    try:
        response = await client.head(url)
        if response.status_code in (405, 501):
            method = "GET"
            async with client.stream("GET", url, headers={"Range": "bytes=0-0"}) as response:
                pass  # the status line is the answer; the body is never read
    except httpx.TooManyRedirects:
        return done(ok=False, error="redirect loop (too many redirects)", method=method)
    except httpx.TimeoutException:
        return done(ok=False, error="timeout", method=method, transient=True)
    except httpx.InvalidURL as exc:
        return done(ok=False, error=f"invalid URL: {exc}"[:300], method=method)
    except httpx.HTTPError as exc:
        return done(
            ok=False, error=f"{type(exc).__name__}: {exc}"[:300], method=method, transient=True
        )
    code = response.status_code
    return done(
        ok=200 <= code < 300,
        status_code=code,
        error="" if 200 <= code < 300 else f"HTTP {code}",
        method=method,
        transient=code in TRANSIENT_CODES,
    )


async def check_urls_async(urls: Iterable[str]) -> dict[str, UrlCheck]:
    unique = list(dict.fromkeys(u for u in urls if u))
    if not unique:
        return {}
    gate = _HostGate(settings.MEDIC_CHECK_PER_HOST, settings.MEDIC_CHECK_HOST_DELAY)
    overall = asyncio.Semaphore(settings.MEDIC_CHECK_CONCURRENCY)
    timeout = httpx.Timeout(settings.MEDIC_CHECK_TIMEOUT)
    async with httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=settings.MEDIC_CHECK_MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT},
        limits=httpx.Limits(max_connections=settings.MEDIC_CHECK_CONCURRENCY),
    ) as client:

        async def one(url: str) -> UrlCheck:
            host = (urlsplit(url).hostname or "").lower()
            async with overall, gate.sems[host]:
                await gate.wait_turn(host)
                return await _check(client, url)

        results = await asyncio.gather(*(one(u) for u in unique))
    return dict(zip(unique, results, strict=True))


def check_urls(urls: Iterable[str]) -> dict[str, UrlCheck]:
    """Check every URL (duplicates once); safe to call from sync code with no running loop."""
    return asyncio.run(check_urls_async(list(urls)))


# --- files --------------------------------------------------------------------------------------


def ffprobe_head(head: bytes) -> dict[str, Any]:
    """ffprobe of the first bytes of a file: whether it decodes, its streams, and the audio vs
    video start offset (a large one is a likely sync problem)."""
    with tempfile.NamedTemporaryFile(suffix=".bin") as tmp:
        tmp.write(head)
        tmp.flush()
        proc = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_streams",
                "-show_format",
                tmp.name,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    if proc.returncode != 0:
        reason = proc.stderr.strip().splitlines()
        return {"ok": False, "error": (reason[-1] if reason else "ffprobe failed")[:300]}
    data = json.loads(proc.stdout or "{}")
    streams = data.get("streams") or []
    video = [s for s in streams if s.get("codec_type") == "video"]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    result: dict[str, Any] = {
        "ok": True,
        "video_streams": len(video),
        "audio_streams": len(audio),
        "audio_langs": [(s.get("tags") or {}).get("language", "und") for s in audio],
    }
    try:
        offset = float(audio[0]["start_time"]) - float(video[0]["start_time"])
        result["av_offset_seconds"] = round(offset, 3)
    except (IndexError, KeyError, TypeError, ValueError):
        result["av_offset_seconds"] = None
    return result
