"""The offline embedder: all-MiniLM-L6-v2 on the CPU (``media.minilm``), 384 dimensions, from
the weights a package ships. It reads words only: an image is embedded by what is said of it
(its description, alt text, tags, the panel it draws)."""

from __future__ import annotations

from jobs.engine import PermanentError
from media import minilm

from ..embedders import Embedded, Source


class LocalEmbedder:
    model = "local/all-MiniLM-L6-v2"
    dimensions = minilm.DIMENSIONS
    reads_images = False

    def embed(self, sources: list[Source], *, query: bool = False) -> Embedded:
        try:
            vectors = minilm.embed([s.text for s in sources])
        except minilm.ModelMissing as exc:
            raise PermanentError(str(exc)) from exc
        return Embedded(vectors=vectors)
