"""Jina embeddings (``POST /v1/embeddings``): v3 reads text; v4 reads text and images (sent
as base64). The dimension count is asked for (``JINA_DIMENSIONS``, Matryoshka truncation on
Jina's side) and stored with the model name; passages and queries are embedded with Jina's
retrieval tasks. Cost is the tokens Jina reports at ``JINA_COST_PER_TOKEN``."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings

from ..embedders import Embedded, Source
from .http import ProviderError, client, request

NAME = "Jina"
BATCH = 64


class JinaEmbedder:
    def __init__(self) -> None:
        self.model = settings.JINA_MODEL
        self.dimensions = settings.JINA_DIMENSIONS
        self.reads_images = "v4" in self.model or "clip" in self.model

    def _input(self, source: Source) -> Any:
        if source.image is not None and self.reads_images:
            return {"image": base64.b64encode(source.image).decode()}
        if self.reads_images:
            return {"text": source.text}
        return source.text

    def embed(self, sources: list[Source], *, query: bool = False) -> Embedded:
        if not settings.JINA_API_KEY:
            raise ProviderError("JINA_API_KEY is not set (docs/configuration.md)")
        rows: list[list[float]] = []
        tokens = 0
        with client(
            base_url=settings.JINA_BASE_URL,
            headers={"Authorization": f"Bearer {settings.JINA_API_KEY}"},
            timeout=settings.JINA_TIMEOUT,
        ) as http:
            for start in range(0, len(sources), BATCH):
                chunk = sources[start : start + BATCH]
                body = {
                    "model": self.model,
                    "task": "retrieval.query" if query else "retrieval.passage",
                    "dimensions": self.dimensions,
                    "normalized": True,
                    "embedding_type": "float",
                    "input": [self._input(s) for s in chunk],
                }
                reply = request(http, "POST", "embeddings", provider=NAME, json=body).json()
                data = sorted(reply.get("data") or [], key=lambda d: d.get("index", 0))
                if len(data) != len(chunk) or any(
                    len(d.get("embedding") or []) != self.dimensions for d in data
                ):
                    raise ProviderError(
                        f"{NAME} sent {len(data)} embedding(s) for {len(chunk)} input(s), "
                        f"not all of {self.dimensions} dimensions"
                    )
                rows.extend(d["embedding"] for d in data)
                tokens += int((reply.get("usage") or {}).get("total_tokens") or 0)
        cost = Decimal(settings.JINA_COST_PER_TOKEN) * tokens
        return Embedded(vectors=np.array(rows, dtype=np.float32), cost=cost, tokens=tokens)
