"""Semantic media search: each media embedded under the embedder in use (``studio.embedders``)
and found again by another media (``to``) or by words (``q``), within the projects the user
may read. The answer comes from pgvector's HNSW index where the database has it, else from an
exact numpy search over the same rows (``studio.vectors``)."""

from __future__ import annotations

import hashlib
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from jobs.engine import JobContext
from vault import NotFound as VaultNotFound

from .. import vectors
from ..embedders import Embedder, Source, embedder
from ..errors import Invalid
from ..generators import Output
from ..models import Embedding, Media, MediaStatus, Task
from ..policy import is_studio_admin, projects_readable
from .media import media_fetch

MAX_LIMIT = 100
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")


def media_text(media: Media) -> str:
    """What is said of a media: its description, alt text and tags, else its file name and
    type (a storyboard panel's description is set when it is drawn)."""
    parts = [media.description, media.alt, " ".join(media.tags or [])]
    words = ". ".join(p.strip() for p in parts if p and p.strip())
    return words or f"{media.get_media_type_display()}: {Path(media.filename).stem}"


def _reads_image(media: Media, engine: Embedder) -> bool:
    return engine.reads_images and media.mime_type in IMAGE_TYPES and bool(media.ref)


def _mark(text: str, image_sha256: str = "") -> str:
    """What an embedding was made of: the words, and the picture's hash where it was read."""
    return hashlib.sha256(f"{text}\0{image_sha256}".encode()).hexdigest()


def _source(media: Media, engine: Embedder) -> tuple[Source, str]:
    """The item to embed and its mark; the picture's bytes are fetched only here, for media
    being embedded (a picture gone from the vault is embedded by its words)."""
    text = media_text(media)
    if _reads_image(media, engine):
        with tempfile.TemporaryDirectory() as work:
            try:
                data = media_fetch(media=media, dest=Path(work) / "image").read_bytes()
            except VaultNotFound:
                return Source(text=text), _mark(text)
        return Source(text=text, image=data), _mark(text, media.sha256)
    return Source(text=text), _mark(text)


def media_embed(*, media: list[Media], engine: Embedder | None = None) -> dict[str, Any]:
    """Embed the media whose vector under the current model is missing or stale (what is
    said of them, or their picture, changed). Returns how many were embedded, with which
    model and what it cost."""
    engine = engine or embedder()
    have = dict(
        Embedding.objects.filter(media__in=media, model=engine.model).values_list(
            "media_id", "source"
        )
    )
    stale = [
        m
        for m in media
        if have.get(m.pk) != _mark(media_text(m), m.sha256 if _reads_image(m, engine) else "")
    ]
    done = {"embedded": len(stale), "model": engine.model, "cost": Decimal(0), "tokens": 0}
    if not stale:
        return done
    todo = [(m, *_source(m, engine)) for m in stale]
    made = engine.embed([source for _, source, _ in todo])
    with transaction.atomic():
        for (m, _, mark), row in zip(todo, made.vectors, strict=True):
            saved, _ = Embedding.objects.update_or_create(
                media=m,
                model=engine.model,
                defaults={"dimensions": len(row), "vector": vectors.pack(row), "source": mark},
            )
            vectors.store(saved.pk, row)
    return {**done, "cost": made.cost, "tokens": made.tokens}


def generate(ctx: JobContext, task: Task) -> Output:
    """The embedding task: the media of its scene, episode or (without either) project."""
    scope = Media.objects.filter(project_id=task.project_id, status=MediaStatus.ACTIVE)
    if task.scene_id:
        scope = scope.filter(scene_id=task.scene_id)
    elif task.episode_id:
        scope = scope.filter(episode_id=task.episode_id)
    done = media_embed(media=list(scope.order_by("pk")))
    return Output(
        result={"embedded": done["embedded"], "model": done["model"]},
        cost=done["cost"],
        tokens_used=done["tokens"],
    )


def _limit(value: Any) -> int:
    try:
        limit = int(value) if value not in (None, "") else 10
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"A limit of 1 to {MAX_LIMIT}.", fields={"limit": [f"1 to {MAX_LIMIT}."]})
    return limit


def media_similar(
    *, user: Any, to: Media | None = None, q: str = "", limit: Any = None
) -> list[tuple[Media, float]]:
    """The media most like ``to`` (itself left out) or like the words ``q``, best first,
    among the active media of projects ``user`` may read."""
    limit = _limit(limit)
    q = (q or "").strip()
    if (to is None) == (not q):
        raise Invalid("Give to or q.", fields={"to": ["A media id, or q: words (one of them)."]})
    if len(q) > 500:
        raise Invalid("At most 500 characters.", fields={"q": ["At most 500 characters."]})
    engine = embedder()
    if to is not None:
        media_embed(media=[to], engine=engine)
        query = vectors.unpack(Embedding.objects.get(media=to, model=engine.model).vector)
    else:
        query = engine.embed([Source(text=q)], query=True).vectors[0]
    projects = (
        None
        if is_studio_admin(user)
        else list(projects_readable(user).values_list("pk", flat=True))
    )
    exclude = to.pk if to is not None else None
    if vectors.pgvector_ready() and len(query) in vectors.INDEXED:
        hits = vectors.nearest_hnsw(
            model=engine.model,
            dimensions=len(query),
            query=query,
            limit=limit,
            projects=projects,
            exclude=exclude,
            ef_search=settings.STUDIO_HNSW_EF_SEARCH,
        )
    else:
        rows = Embedding.objects.filter(
            model=engine.model, dimensions=len(query), media__status=MediaStatus.ACTIVE
        )
        if projects is not None:
            rows = rows.filter(media__project_id__in=projects)
        if exclude is not None:
            rows = rows.exclude(media_id=exclude)
        hits = vectors.nearest_exact(rows.values_list("media_id", "vector"), query, limit=limit)
    found = Media.objects.select_related("project").in_bulk([h.media_id for h in hits])
    return [(found[h.media_id], h.score) for h in hits if h.media_id in found]
