from __future__ import annotations

import pytest

from catalog.services import readmodel


@pytest.fixture
def documents_built(monkeypatch) -> list[int]:
    """The ids of the titles whose document is built, in order, one entry per build."""
    built: list[int] = []
    real = readmodel.title_document_build

    def counting(title):
        built.append(title.pk)
        return real(title)

    monkeypatch.setattr(readmodel, "title_document_build", counting)
    return built
