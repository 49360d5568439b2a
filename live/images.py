"""Channel images (a creator's profile photo and cover, a category's image): uploaded, checked
and re-encoded with Pillow (metadata stripped, bounded size), stored in the vault, and served
at ``/api/live/img/<ref>`` — only refs a channel, a category or a stream's thumbnail holds
(any other vault object is not served here)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO, Any

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from PIL import Image, UnidentifiedImageError

from core.errors import error_body
from core.refs import split_tagged
from ingest.work import put
from vault import BackendUnavailable, NotFound, VaultError, get_backend, read_all

from .models import Category, Creator, Stream

MAX_UPLOAD = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
SIZES = {"profile": (512, 512), "cover": (1920, 640)}
FIELDS = {"profile": "profile_photo", "cover": "cover_photo"}


def image_store(*, upload: IO[bytes], kind: str) -> str:
    """Check an uploaded picture, re-encode it as JPEG within ``SIZES[kind]`` and store it in
    the vault. Returns the tagged ref."""
    try:
        with Image.open(upload) as picture:  # reads the header only
            if picture.format not in ("JPEG", "PNG", "WEBP", "GIF"):
                raise ValidationError({"image": "A JPEG, PNG, WebP or GIF picture."})
            if picture.width * picture.height > MAX_PIXELS:
                raise ValidationError({"image": "At most 40 megapixels."})
            picture.thumbnail(SIZES[kind])
            clean = picture.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError({"image": "Not a picture we can read."}) from exc
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / f"{kind}.jpg"
        clean.save(path, "JPEG", quality=85, optimize=True)
        return put(path, f"{kind}.jpg")["tagged"]


def creator_image_set(*, creator: Creator, kind: str, upload: IO[bytes]) -> Creator:
    ref = image_store(upload=upload, kind=kind)
    setattr(creator, FIELDS[kind], ref)
    creator.save(update_fields=[FIELDS[kind], "updated_at"])
    return creator


def image_url(ref: str) -> str:
    """Where a page or client loads a channel image ("" when there is none)."""
    if not ref:
        return ""
    if ref.startswith(("https://", "http://")):
        return ref
    return f"/api/live/img/{ref}"


def _known(ref: str) -> bool:
    creators = Creator.objects.filter(Q(profile_photo=ref) | Q(cover_photo=ref), is_deleted=False)
    categories = Category.objects.filter(Q(image=ref) | Q(cover_photo=ref))
    thumbnails = Stream.objects.filter(thumbnail=ref, is_taken_down=False)
    return creators.exists() or categories.exists() or thumbnails.exists()


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code=code, message=message), status=status)


@csrf_exempt  # GET/HEAD only
async def image(request: HttpRequest, ref: str) -> Any:
    if request.method not in ("GET", "HEAD"):
        return _error(405, "method_not_allowed", f"Method {request.method[:20]!r} not allowed.")
    source = split_tagged(ref)
    if source is None or not await sync_to_async(_known)(ref):
        return _error(404, "not_found", "No such image.")
    try:
        data = await read_all(get_backend(source[0]), source[1], max_bytes=MAX_UPLOAD)
    except BackendUnavailable:
        return _error(503, "backend_unavailable", "The image's storage is not reachable.")
    except (NotFound, VaultError):
        return _error(404, "missing_image", "The image is missing from the vault.")
    # Content-addressed (a new picture is a new ref): cacheable for a day.
    return HttpResponse(data, content_type="image/jpeg", headers={
        "Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})  # fmt: skip
