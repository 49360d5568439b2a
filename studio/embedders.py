"""What turns media and queries into vectors. One embedder is in use
(``STUDIO_EMBEDDER``, a dotted path to a class): the embedded default runs all-MiniLM-L6-v2
offline (``studio.local.embed.LocalEmbedder``); ``studio.providers.jina.JinaEmbedder`` calls
Jina. Each names its model and dimension count, stored with every vector, so vectors of
different models are never compared."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

from jobs.engine import PermanentError


@dataclass(frozen=True)
class Source:
    """What is embedded for one item: its words, and an image's bytes where the model reads
    images."""

    text: str
    image: bytes | None = None


@dataclass
class Embedded:
    vectors: np.ndarray  # one row per source
    cost: Decimal = Decimal(0)
    tokens: int = 0
    extra: dict = field(default_factory=dict)


class Embedder(Protocol):
    model: str
    dimensions: int
    reads_images: bool

    def embed(self, sources: list[Source], *, query: bool = False) -> Embedded: ...


def embedder() -> Embedder:
    path = settings.STUDIO_EMBEDDER
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise PermanentError(f"the embedder {path!r} cannot be loaded: {exc}") from exc
    return cls()
