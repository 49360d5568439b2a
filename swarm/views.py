"""Vault HTTP endpoints (async views, served by the ASGI app):

- ``GET|HEAD /s/<file_hash>?md5=…&expires=…`` — a signed stream with single-range support;
- ``GET /api/subs/<file_hash>/<lang|index>.vtt`` — stored WebVTT of a text subtitle track;
- ``GET /api/read/<chapter_id>/<page>`` — one page of a CBZ chapter, read out of the zip.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.signing import LinkCheck, verify
from catalog.models import Chapter, FileStatus, MediaFile, SubtitleTrack
from streamvault.errors import error_body

from .media import cbz
from .media.langs import iso639_2
from .media.names import clean_filename
from .media.pagecache import pages
from .vault import (
    BackendUnavailable,
    NotFound,
    VaultError,
    get_backend,
    read_all,
    resolve_tagged,
)
from .vault.local import relative_path
from .vault.ranges import Unsatisfiable, parse_range

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    "mkv": "video/x-matroska",
    "webm": "video/webm",
    "mp4": "video/mp4",
    "m4v": "video/x-m4v",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "ts": "video/mp2t",
    "mpg": "video/mpeg",
    "flv": "video/x-flv",
    "ogg": "video/ogg",
    "wmv": "video/x-ms-wmv",
}


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code=code, message=message), status=status)


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return header.strip() == "*" or etag in [t.strip() for t in header.split(",")]


# --- /s/<file_hash> ---------------------------------------------------------------------------


def _stream_target(file_hash: str) -> dict[str, Any] | None:
    row = (
        MediaFile.objects.filter(file_hash=file_hash, status=FileStatus.ACTIVE)
        .values(
            "backend",
            "ref",
            "tg_raw",
            "size_bytes",
            "container",
            "quality",
            "title__title",
            "title__year",
            "episode__season",
            "episode__number",
        )
        .first()
    )
    return row


async def _body(backend, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
    """The vault's chunks; a failure mid-stream ends the response (the client sees a short
    body and retries with a Range) instead of raising into the server."""
    try:
        async for chunk in backend.open_range(ref, start, end):
            yield chunk
    except VaultError:
        log.exception("stream of %s broke off at some byte in [%d, %d)", ref, start, end)


@csrf_exempt  # no cookies involved: the signature is the credential; only GET/HEAD pass
@require_http_methods(["GET", "HEAD"])
async def stream(request: HttpRequest, file_hash: str) -> HttpResponseBase:
    check = verify(uri=request.path, md5=request.GET.get("md5"), expires=request.GET.get("expires"))
    if check is LinkCheck.INVALID:
        return _error(403, "invalid_signature", "The link signature is invalid.")
    if check is LinkCheck.EXPIRED:
        return _error(410, "expired", "The link has expired.")
    target = await sync_to_async(_stream_target)(file_hash)
    if target is None:
        return _error(404, "not_found", "No such file.")
    try:
        backend = get_backend(target["backend"])
    except BackendUnavailable:
        return _error(503, "backend_unavailable", "The file's storage is not reachable now.")
    ref = target["ref"]
    if target["backend"] == "telegram" and target["tg_raw"]:
        backend.remember(ref, target["tg_raw"])
    size = target["size_bytes"]
    etag = f'"{file_hash}"'
    content_type = CONTENT_TYPES.get(target["container"], "application/octet-stream")
    filename = clean_filename(
        title=target["title__title"],
        year=target["title__year"],
        quality=target["quality"],
        ext=target["container"] or "bin",
        season=target["episode__season"],
        episode=target["episode__number"],
    )
    common = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Content-Type": content_type,
        "Content-Disposition": f"inline; filename*=UTF-8''{_quote(filename)}",
        "Cache-Control": "private, max-age=3600",
    }

    accel = settings.VAULT_ACCEL_REDIRECT
    if accel and target["backend"] == "local":
        # nginx serves the bytes (ranges, sendfile); we only authorised the request.
        response = HttpResponse(status=200)
        for k, v in common.items():
            response[k] = v
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + relative_path(ref)
        return response

    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != etag:
        range_header = None  # the client's copy is stale: send it the whole file
    try:
        byte_range = parse_range(range_header, size)
    except Unsatisfiable:
        response = _error(416, "range_not_satisfiable", "The requested range is not satisfiable.")
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response

    if byte_range is None:
        status, start, end = 200, 0, size - 1
    else:
        status, start, end = 206, byte_range.start, byte_range.end
    if byte_range is None and _etag_matches(request, etag):
        response = HttpResponse(status=304)
        response["ETag"] = etag
        return response
    length = max(end - start + 1, 0)
    if request.method == "HEAD" or length == 0:
        response = HttpResponse(status=status)
    else:
        response = StreamingHttpResponse(_body(backend, ref, start, end + 1), status=status)
    for k, v in common.items():
        response[k] = v
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = byte_range.content_range(size)
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# --- /api/subs/<file_hash>/<key>.vtt ----------------------------------------------------------


def _track(file_hash: str, key: str) -> tuple[bool, SubtitleTrack | None]:
    """(file exists, track or None)."""
    media_file = MediaFile.objects.filter(file_hash=file_hash).only("id").first()
    if media_file is None:
        return False, None
    tracks = SubtitleTrack.objects.filter(media_file=media_file)
    if key.isdigit():
        tracks = tracks.filter(stream_index=int(key))
    else:
        # Prefer a text track of the language: a bitmap twin must not hide a usable one.
        tracks = tracks.filter(lang=iso639_2(key)).order_by("-kind", "stream_index")
    return True, tracks.first()


async def subtitle_vtt(request: HttpRequest, file_hash: str, key: str) -> HttpResponseBase:
    exists, track = await sync_to_async(_track)(file_hash, key)
    if not exists:
        return _error(404, "not_found", "No such file.")
    if track is None:
        return _error(404, "no_subtitle", f"The file has no subtitle track {key!r}.")
    if track.kind == SubtitleTrack.Kind.IMAGE:
        return _error(
            404,
            "image_subtitle",
            f"Track {track.stream_index} ({track.lang}, {track.codec}) is an image subtitle: "
            "it cannot be served as WebVTT; players render it from the video stream.",
        )
    if not track.vtt_ref:
        return _error(404, "no_vtt", f"Track {track.stream_index} has no extracted WebVTT.")
    etag = f'"{hashlib.sha256(track.vtt_ref.encode()).hexdigest()[:32]}"'
    headers = {
        "Cache-Control": f"public, max-age={settings.VAULT_SUBS_CACHE_SECONDS}",
        "ETag": etag,
        "Access-Control-Allow-Origin": "*",
    }
    if _etag_matches(request, etag):
        return HttpResponse(status=304, headers=headers)
    try:
        backend, ref = resolve_tagged(track.vtt_ref)
        data = await read_all(backend, ref, max_bytes=16 * 1024 * 1024)
    except BackendUnavailable:
        return _error(503, "backend_unavailable", "The subtitle's storage is not reachable.")
    except NotFound:
        return _error(404, "no_vtt", f"The WebVTT of track {track.stream_index} is missing.")
    return HttpResponse(data, content_type="text/vtt; charset=utf-8", headers=headers)


# --- /api/read/<chapter_id>/<page> ------------------------------------------------------------


def _chapter(chapter_id: int) -> dict[str, Any] | None:
    return Chapter.objects.filter(pk=chapter_id).values("backend", "ref", "pages").first()


async def read_page(request: HttpRequest, chapter_id: int, page: int) -> HttpResponseBase:
    chapter = await sync_to_async(_chapter)(chapter_id)
    if chapter is None:
        return _error(404, "not_found", "No such chapter.")
    index = chapter["pages"]
    if not 1 <= page <= len(index):
        return _error(404, "no_page", f"Pages run from 1 to {len(index)}.")
    entry = index[page - 1]
    name = entry["name"]
    content_type = entry.get("type") or cbz.mime_for(name)
    digest = hashlib.sha256(f"{chapter['ref']}:{name}".encode()).hexdigest()
    etag = f'"{digest[:32]}"'
    headers = {
        "Cache-Control": f"public, max-age={settings.VAULT_PAGE_CACHE_SECONDS}",
        "ETag": etag,
    }
    if _etag_matches(request, etag):
        return HttpResponse(status=304, headers=headers)
    key = f"{chapter['backend']}:{chapter['ref']}:{page}"
    data = await pages.get(key)
    headers["X-Page-Cache"] = "hit" if data is not None else "miss"
    if data is None:
        try:
            backend = get_backend(chapter["backend"])
            data = await cbz.read_page(backend, chapter["ref"], name)
        except BackendUnavailable:
            return _error(503, "backend_unavailable", "The chapter's storage is not reachable.")
        except NotFound:
            return _error(404, "missing_archive", "The chapter's archive is missing.")
        except cbz.CbzError as exc:
            log.error("chapter %s page %s: %s", chapter_id, page, exc)
            return _error(500, "bad_archive", "The chapter's archive is damaged.")
        await pages.set(key, data)
    return HttpResponse(data, content_type=content_type, headers=headers)
