"""URL leech: a resumable httpx streaming download (docs/design.md).

- Resume: a partial file from an earlier attempt is continued with ``Range: bytes=N-``; a
  server that answers 200 instead of 206 (no range support) restarts from zero.
- Sanity before a byte is kept: the status (404/410/403/401 → permanent), the Content-Type
  (HTML, JSON, text → permanent: that is an error page or a landing page, not a file), the size
  (Content-Length, then the running count, against ``LEECH_MAX_BYTES``).
- Timeouts, connection resets, 5xx and 429 are transient: the job retries with backoff and the
  next attempt resumes where this one stopped.
- ``LEECH_PROXY`` (or a per-job proxy) routes the download through SOCKS5 (httpx + socksio).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
from django.conf import settings

from jobs.engine import PermanentError, TransientError

CHUNK = 1024 * 1024
PERMANENT_STATUSES = {400, 401, 403, 404, 405, 410, 451}
BAD_TYPES = ("text/", "application/json", "application/xml", "application/xhtml")
_FILENAME_RE = re.compile(r"""filename\*?=(?:UTF-8'')?["']?([^"';]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Leeched:
    path: Path
    file_name: str
    size: int
    content_type: str
    resumed_from: int


def _file_name(response: httpx.Response, url: str) -> str:
    disposition = response.headers.get("content-disposition", "")
    match = _FILENAME_RE.search(disposition)
    if match:
        return Path(unquote(match.group(1).strip())).name
    return Path(unquote(urlsplit(url).path)).name or "download"


def _check_status(response: httpx.Response) -> None:
    code = response.status_code
    if code in PERMANENT_STATUSES:
        raise PermanentError(f"HTTP {code} from {response.request.url.host}")
    if code == 429 or code >= 500:
        raise TransientError(f"HTTP {code} from {response.request.url.host}")
    if code not in (200, 206):
        raise PermanentError(f"unexpected HTTP {code} from {response.request.url.host}")


def _check_type(response: httpx.Response) -> str:
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.startswith(BAD_TYPES):
        raise PermanentError(f"not a media file: the server sent {content_type}")
    return content_type


def leech_download(
    *,
    url: str,
    dest: Path,
    on_progress: Callable[[int, int | None], None] | None = None,
    proxy: str | None = None,
    max_bytes: int | None = None,
    timeout: float | None = None,
) -> Leeched:
    """Download ``url`` to ``dest`` (continuing ``dest`` if it holds a partial download)."""
    max_bytes = max_bytes or settings.LEECH_MAX_BYTES
    timeout = timeout or settings.LEECH_TIMEOUT
    proxy = proxy if proxy is not None else settings.LEECH_PROXY
    if urlsplit(url).scheme not in ("http", "https"):
        raise PermanentError(f"not an http(s) URL: {url}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    have = dest.stat().st_size if dest.exists() else 0
    headers = {"User-Agent": "StreamVault-Leech/1.0", "Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        with (
            httpx.Client(
                proxy=proxy or None,
                timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
                follow_redirects=True,
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code == 416 and have:
                # Our partial is already whole (or the server lost it): start over.
                dest.unlink()
                raise TransientError("range not satisfiable; restarting the download")
            _check_status(response)
            content_type = _check_type(response)
            resumed_from = have if response.status_code == 206 else 0
            length = response.headers.get("content-length")
            total = resumed_from + int(length) if length and length.isdigit() else None
            if total is not None and total > max_bytes:
                raise PermanentError(f"file too large: {total} bytes (limit {max_bytes})")
            written = resumed_from
            with open(dest, "ab" if resumed_from else "wb") as out:
                for chunk in response.iter_bytes():  # as received: a drop keeps them
                    written += len(chunk)
                    if written > max_bytes:
                        raise PermanentError(f"file too large: over {max_bytes} bytes")
                    out.write(chunk)
                    if on_progress is not None:
                        on_progress(written, total)
            if total is not None and written < total:
                raise TransientError(f"connection closed at {written} of {total} bytes")
            file_name = _file_name(response, str(response.url))
    except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise TransientError(f"{type(exc).__name__} while downloading: {exc}") from exc
    except httpx.ProxyError as exc:
        raise TransientError(f"proxy error: {exc}") from exc
    except httpx.InvalidURL as exc:
        raise PermanentError(f"invalid URL: {exc}") from exc
    if written == 0:
        raise PermanentError("the server sent an empty file")
    return Leeched(dest, file_name, written, content_type, resumed_from)
