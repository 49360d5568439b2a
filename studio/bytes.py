"""``/api/studio/media/<id>/bytes``: a media's bytes, only through the signed, expiring URL the
API hands out after the access rule (``services.media.media_url``), with single ranges so
audio and video seek."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from core.errors import error_body
from core.refs import split_tagged
from core.signing import LinkCheck, verify
from vault import BackendUnavailable, NotFound, VaultError, get_backend
from vault.ranges import Unsatisfiable, parse_range

from .models import Media


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code=code, message=message), status=status)


def _media(pk: int) -> tuple[str, str, int] | None:
    return Media.objects.filter(pk=pk).values_list("ref", "mime_type", "filesize").first()


async def _chunks(backend: Any, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
    async for chunk in backend.open_range(ref, start, end):
        yield bytes(chunk)


@csrf_exempt  # GET/HEAD only
async def media_bytes(request: HttpRequest, pk: int) -> Any:
    if request.method not in ("GET", "HEAD"):
        return _error(405, "method_not_allowed", "GET or HEAD.")
    check = verify(uri=request.path, md5=request.GET.get("md5"), expires=request.GET.get("expires"))
    if check is LinkCheck.EXPIRED:
        return _error(410, "expired", "The link has expired; ask the API for a new one.")
    if check is not LinkCheck.OK:
        return _error(403, "bad_signature", "This link is not valid.")
    row = await sync_to_async(_media)(pk)
    source = split_tagged(row[0]) if row else None
    if row is None or source is None:
        return _error(404, "not_found", "No such media.")
    _, mime, size = row
    backend = get_backend(source[0])
    try:
        size = (await backend.stat(source[1])).size
    except BackendUnavailable:
        return _error(503, "backend_unavailable", "The media's storage is not reachable.")
    except (NotFound, VaultError):
        return _error(404, "missing_media", "The media is missing from the vault.")
    try:
        wanted = parse_range(request.headers.get("Range"), size)
    except Unsatisfiable:
        response = _error(416, "range_not_satisfiable", "Range not satisfiable.")
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = (wanted.start, wanted.end + 1) if wanted else (0, size)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(end - start),
        "Cache-Control": "private, max-age=3600",
        "X-Content-Type-Options": "nosniff",
    }
    if wanted:
        headers["Content-Range"] = wanted.content_range(size)
    status = 206 if wanted else 200
    if request.method == "HEAD":
        return HttpResponse(status=status, content_type=mime, headers=headers)
    body = _chunks(backend, source[1], start, end)
    return StreamingHttpResponse(body, status=status, content_type=mime, headers=headers)
