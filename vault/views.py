"""Vault HTTP endpoints (async views, served by the ASGI app):

- ``GET|HEAD /s/<file_hash>?md5=…&expires=…`` — a signed stream with single-range support;
- ``GET /api/subs/<file_hash>/<lang|index>.vtt`` — stored WebVTT of a text subtitle track;
- ``GET /api/read/<chapter_id>/<page>`` — one page of a CBZ chapter, read out of the zip;
- ``GET /api/img/<ref>`` — a screenshot or poster the catalog lists (by vault ref).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Q
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.views.decorators.csrf import csrf_exempt

from catalog.models import Chapter, MediaFile, Screenshot, SubtitleTrack, Title, TitleStatus
from catalog.policy import CatalogPolicy, policy_of
from core.errors import error_body
from core.parsing import ascii_int
from core.refs import split_tagged
from core.signals import vault_object_missing
from core.signing import LinkCheck, verify
from core.traffic import bytes_sent
from media import cbz
from media.langs import iso639_2
from vault import BackendUnavailable, NotFound, VaultError, get_backend, read_all, resolve_tagged
from vault.pagecache import pages
from vault.stream import plan_body, stream_plan

log = logging.getLogger(__name__)


def withdrawable_cache_control() -> str:
    """Bytes a takedown can withdraw: kept by browsers and CDNs only briefly, and revalidated
    (with the ETag: a 304 costs nothing) after that — never a long public max-age."""
    return f"public, max-age={settings.VAULT_BYTES_MAX_AGE}, must-revalidate"


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code=code, message=message), status=status)


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return header.strip() == "*" or etag in [t.strip() for t in header.split(",")]


# --- /s/<file_hash> ---------------------------------------------------------------------------


async def _as_bytes(chunks: AsyncIterator[bytes | bytearray], host: str) -> AsyncIterator[bytes]:
    # Django would str() a bytearray; the vault may yield them (see swarm.vault.base).
    sent = 0
    try:
        async for chunk in chunks:
            yield chunk if isinstance(chunk, bytes) else bytes(chunk)
            sent += len(chunk)
    finally:
        bytes_sent(host=host, amount=sent)


@csrf_exempt  # no cookies involved: the signature is the credential; only GET/HEAD pass
async def stream(request: HttpRequest, file_hash: str) -> HttpResponseBase:
    """The Django door to ``vault.stream`` (uvicorn routes /s/ to the lean ASGI door first)."""
    plan = await stream_plan(
        method=request.method or "GET",
        path=request.path,
        query={k: request.GET[k] for k in request.GET},
        headers={k.lower(): v for k, v in request.headers.items()},
    )
    if plan.backend is not None:
        response: HttpResponseBase = StreamingHttpResponse(
            _as_bytes(plan_body(plan), request.get_host()), status=plan.status
        )
    else:
        response = HttpResponse(plan.body, status=plan.status)
    for name, value in plan.headers:
        response[name] = value
    return response


# --- /api/subs/<file_hash>/<key>.vtt ----------------------------------------------------------


def _track(file_hash: str, key: str, policy: CatalogPolicy) -> tuple[bool, SubtitleTrack | None]:
    """(file exists — and the site's policy shows its title —, track or None)."""
    media_file = (
        MediaFile.objects.filter(policy.q("title__"), file_hash=file_hash)
        .exclude(title__status=TitleStatus.BANNED)  # a takedown withdraws its subtitles too
        .only("id")
        .first()
    )
    if media_file is None:
        return False, None
    tracks = SubtitleTrack.objects.filter(media_file=media_file)
    index = ascii_int(key)
    if index is not None:
        tracks = tracks.filter(stream_index=index)
    else:
        # Prefer a text track of the language: a bitmap twin must not hide a usable one.
        tracks = tracks.filter(lang=iso639_2(key)).order_by("-kind", "stream_index")
    return True, tracks.first()


def _count(request: HttpRequest, data: bytes) -> None:
    """Bytes a GET sends count towards the site's traffic (a HEAD sends none)."""
    if request.method == "GET":
        bytes_sent(host=request.get_host(), amount=len(data))


def _method_refusal(request: HttpRequest) -> JsonResponse | None:
    if request.method in ("GET", "HEAD"):
        return None
    response = _error(405, "method_not_allowed", "Only GET and HEAD.")
    response["Allow"] = "GET, HEAD"
    return response


def _signature_refusal(request: HttpRequest) -> JsonResponse | None:
    """Pages and subtitles pass the gatekeeper like streams: their URLs are signed with an
    expiry (``core.signing``), so they cannot be enumerated or kept."""
    refusal = _method_refusal(request)
    if refusal is not None:
        return refusal
    check = verify(uri=request.path, md5=request.GET.get("md5"), expires=request.GET.get("expires"))
    if check is LinkCheck.INVALID:
        return _error(403, "invalid_signature", "The link signature is invalid.")
    if check is LinkCheck.EXPIRED:
        return _error(410, "expired", "The link has expired; ask the gatekeeper again.")
    return None


@csrf_exempt  # GET/HEAD only, no cookies involved: other methods get a JSON 405
async def subtitle_vtt(request: HttpRequest, file_hash: str, key: str) -> HttpResponseBase:
    refusal = _signature_refusal(request)
    if refusal is not None:
        return refusal
    exists, track = await sync_to_async(_track)(file_hash, key, policy_of(request))
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
        "Cache-Control": withdrawable_cache_control(),
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
        await sync_to_async(vault_object_missing.send)(
            sender=SubtitleTrack, subtitle_track_id=track.pk
        )
        return _error(
            404,
            "missing_vtt",
            f"The WebVTT of track {track.stream_index} is missing; a repair is queued.",
        )
    _count(request, data)
    headers["X-Accel-Expires"] = str(settings.EDGE_BYTES_SECONDS)  # nginx may cache it (vault.edge)
    return HttpResponse(data, content_type="text/vtt; charset=utf-8", headers=headers)


# --- /api/img/<ref> ----------------------------------------------------------------------------

IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF8", "image/gif"),
)


def _image_mime(data: bytes) -> str:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in IMAGE_MAGIC if data.startswith(magic)), "")


def _image_source(ref: str) -> tuple[str, str] | None:
    """(backend, ref) of a catalog image: a screenshot, a poster or a backdrop. Any other vault
    object (a whole movie, a CBZ) is not served here."""
    shots = Screenshot.objects.filter(ref=ref).exclude(title__status=TitleStatus.BANNED)
    shot = shots.values_list("backend", flat=True).first()
    if shot is not None:
        return shot, ref
    titles = Title.objects.filter(Q(poster=ref) | Q(backdrop=ref))
    if titles.exclude(status=TitleStatus.BANNED).exists():
        return split_tagged(ref)  # posters and backdrops hold tagged refs (None: an URL)
    return None


@csrf_exempt  # GET/HEAD only, no cookies involved: other methods get a JSON 405
async def image(request: HttpRequest, ref: str) -> HttpResponseBase:
    """Screenshots and posters stored in the vault, by the ref the title document lists.
    Content-addressed (the ref is the content), so cacheable for good."""
    refusal = _method_refusal(request)
    if refusal is not None:
        return refusal
    etag = f'"{hashlib.sha256(ref.encode()).hexdigest()[:32]}"'
    headers = {"Cache-Control": withdrawable_cache_control(), "ETag": etag}
    if _etag_matches(request, etag):
        return HttpResponse(status=304, headers=headers)
    source = await sync_to_async(_image_source)(ref)
    if source is None:
        return _error(404, "not_found", "No such image.")
    backend_name, raw_ref = source
    try:
        backend = get_backend(backend_name)
        data = await read_all(backend, raw_ref, max_bytes=32 * 1024 * 1024)
    except BackendUnavailable:
        return _error(503, "backend_unavailable", "The image's storage is not reachable.")
    except (NotFound, VaultError):
        return _error(404, "missing_image", "The image is missing from the vault.")
    mime = _image_mime(data)
    if not mime:
        return _error(404, "not_an_image", "That object is not an image.")
    return HttpResponse(data, content_type=mime, headers=headers)


# --- /api/read/<chapter_id>/<page> ------------------------------------------------------------


def _chapter(chapter_id: int, policy: CatalogPolicy) -> dict[str, Any] | None:
    return (
        Chapter.objects.filter(policy.q("manga__"), pk=chapter_id)
        .exclude(manga__status=TitleStatus.BANNED)  # a takedown withdraws every page
        .values("backend", "ref", "pages")
        .first()
    )


@csrf_exempt  # GET/HEAD only, no cookies involved: other methods get a JSON 405
async def read_page(request: HttpRequest, chapter_id: int, page: int) -> HttpResponseBase:
    refusal = _signature_refusal(request)
    if refusal is not None:
        return refusal
    chapter = await sync_to_async(_chapter)(chapter_id, policy_of(request))
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
        "Cache-Control": withdrawable_cache_control(),
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
            await sync_to_async(vault_object_missing.send)(
                sender=Chapter,
                chapter_id=chapter_id,
                backend=chapter["backend"],
                ref=chapter["ref"],
            )
            return _error(
                404, "missing_archive", "The chapter's archive is missing; a repair is queued."
            )
        except cbz.CbzError as exc:
            log.error("chapter %s page %s: %s", chapter_id, page, exc)
            return _error(500, "bad_archive", "The chapter's archive is damaged.")
        await pages.set(key, data)
    _count(request, data)
    headers["X-Accel-Expires"] = str(settings.EDGE_BYTES_SECONDS)  # nginx may cache it (vault.edge)
    return HttpResponse(data, content_type=content_type, headers=headers)
