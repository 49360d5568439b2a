"""Media: uploads checked and stored in the vault, links to the project's episode, scene or
character, metadata edits, deletion (the vault object goes once no row uses it), and the
signed URL that is the only way to the bytes."""

from __future__ import annotations

import mimetypes
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from PIL import Image, UnidentifiedImageError

from core.audit import audit_record
from core.refs import split_tagged
from core.signing import signature
from ingest.work import fetch, put
from jobs.engine import job_create

from ..errors import Invalid, NotInProject
from ..models import Character, Episode, Media, MediaStatus, MediaType, Project, Provider, Scene

ALLOWED = ("image/", "audio/", "video/")
EDITABLE = {"alt", "description", "tags", "media_type", "status", "episode", "scene", "character"}


def _link(project: Project, model: type, value: Any, field: str) -> Any:
    if value in (None, ""):
        return None
    row = (
        model.objects.filter(pk=value, project_id=project.pk).first()
        if isinstance(value, int)
        else None
    )
    if row is None:
        raise NotInProject(f"Unknown {field}.", fields={field: [f"A {field} of this project."]})
    return row


def _facts(path: Path, filename: str) -> dict[str, Any]:
    """What the bytes are: the MIME type (pictures opened by Pillow; sound and video by their
    name) and a picture's size. Anything else is refused."""
    try:
        with Image.open(path) as picture:
            fmt = picture.format or ""
            return {
                "mime_type": Image.MIME.get(fmt, "image/" + fmt.lower()),
                "width": picture.width,
                "height": picture.height,
            }
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        pass
    mime = mimetypes.guess_type(filename)[0] or ""
    if not mime.startswith(("audio/", "video/")):
        raise Invalid("Not a picture, sound or video.", fields={"file": ["Unsupported file."]})
    return {"mime_type": mime, "width": None, "height": None}


@transaction.atomic
def media_create(
    *,
    actor: Any,
    project: Project,
    upload: IO[bytes] | Path,
    filename: str,
    media_type: str,
    data: dict[str, Any] | None = None,
    provider: str = "",
    cost: Decimal | float = 0,
    generation_metadata: dict[str, Any] | None = None,
    technical_data: dict[str, Any] | None = None,
) -> Media:
    """Store the bytes in the vault and make the Media row (``upload`` is a file or a path)."""
    data = data or {}
    if media_type not in MediaType.values:
        raise Invalid("Unknown media type.", fields={"media_type": ["Not a media type."]})
    if provider and provider not in Provider.values:
        raise Invalid("Unknown provider.", fields={"provider": ["Not a provider."]})
    name = Path(filename).name[:200] or "upload"
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "upload"
        if isinstance(upload, Path):
            path = upload
        else:
            size = 0
            with path.open("wb") as out:
                for chunk in iter(lambda: upload.read(1 << 20), b""):
                    size += len(chunk)
                    if size > settings.STUDIO_UPLOAD_MAX_BYTES:
                        limit = settings.STUDIO_UPLOAD_MAX_BYTES // (1024 * 1024)
                        raise Invalid("Too large.", fields={"file": [f"At most {limit} MiB."]})
                    out.write(chunk)
        if path.stat().st_size == 0:
            raise Invalid("The file is empty.", fields={"file": ["Empty file."]})
        facts = _facts(path, name)
        stored = put(path, name)
    media = Media(
        project=project,
        filename=name,
        filesize=stored["size"],
        ref=stored["tagged"],
        sha256=stored["sha256"],
        media_type=media_type,
        agent_generated=bool(provider),
        provider=provider,
        cost=Decimal(str(cost)),
        generation_metadata=generation_metadata or {},
        technical_data=technical_data or {},
        created_by=actor if getattr(actor, "pk", None) else None,
        **facts,
    )
    _apply(media, project, data)
    media.save()
    audit_record(
        actor=actor,
        action="studio_media_create",
        target=media,
        after={"filename": name, "media_type": media_type, "size": media.filesize},
    )
    return media


def _apply(media: Media, project: Project, data: dict[str, Any]) -> dict[str, Any]:
    changes = {k: v for k, v in data.items() if k in EDITABLE}
    links = {"episode": Episode, "scene": Scene, "character": Character}
    for key, value in changes.items():
        if key in links:
            value = _link(project, links[key], value, key)
        elif key == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise Invalid("Tags are strings.", fields={"tags": ["A list of strings."]})
        setattr(media, key, value)
    if "media_type" in changes and media.media_type not in MediaType.values:
        raise Invalid("Unknown media type.", fields={"media_type": ["Not a media type."]})
    if "status" in changes and media.status not in MediaStatus.values:
        raise Invalid("Unknown status.", fields={"status": ["Not a media status."]})
    return changes


@transaction.atomic
def media_update(*, actor: Any, media: Media, data: dict[str, Any]) -> Media:
    changes = _apply(media, media.project, data)
    if changes:
        media.version += 1
        media.save()
        after = {k: getattr(v, "pk", v) for k, v in changes.items()}
        audit_record(actor=actor, action="studio_media_update", target=media, after=after)
    return media


@transaction.atomic
def media_delete(*, actor: Any, media: Media) -> None:
    refs = {r for r in (media.ref, media.thumbnail_ref) if r}
    audit_record(
        actor=actor,
        action="studio_media_delete",
        target=media,
        before={"filename": media.filename, "ref": media.ref},
    )
    media.delete()
    refs_purge(refs=refs)


def refs_purge(*, refs: set[str]) -> None:
    """Remove vault objects no Media row uses any more (a durable job, after commit)."""
    if not refs:
        return
    used = Media.objects.filter(Q(ref__in=refs) | Q(thumbnail_ref__in=refs))
    keep = {r for pair in used.values_list("ref", "thumbnail_ref") for r in pair}
    purge = sorted(refs - keep)
    if purge:
        job_create(kind="studio_purge", payload={"refs": purge})


def media_fetch(*, media: Media, dest: Path) -> Path:
    """Copy the media's bytes to ``dest`` (for ffmpeg). The vault's ``NotFound`` when they are
    gone; a backend that does not answer is a transient error."""
    source = split_tagged(media.ref)
    if source is None:
        raise Invalid("This media has no bytes.", fields={"media": [str(media.pk)]})
    fetch(dest, backend=source[0], ref=source[1])
    return dest


def media_url(*, media: Media, ttl: int | None = None) -> str:
    """The signed, expiring URL of the media's bytes (relative to the site)."""

    uri = f"/api/studio/media/{media.pk}/bytes"
    expires = int(time.time()) + (ttl or settings.STUDIO_MEDIA_URL_TTL)
    query = urlencode({"md5": signature(uri=uri, expires=expires), "expires": expires})
    return f"{uri}?{query}"
