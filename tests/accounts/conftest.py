from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog import services as catalog
from tests.factories import TitleFactory, add_file


@pytest.fixture
def api() -> APIClient:
    """A browser-like client: it keeps the cookie a page (or GET /api/session/) sets, so its
    first per-user request may become a guest session."""
    client = APIClient()
    client.get("/api/session/")
    return client


@pytest.fixture
def movie():
    """An available movie of 2 hours with a 1080p and a 2160p file."""
    title = TitleFactory(media_type="movie", title="Blade Runner")
    add_file(title, quality="1080p", duration=7200.0)
    add_file(title, quality="2160p", duration=7200.0)
    title.refresh_from_db()
    return title


@pytest.fixture
def series():
    title = TitleFactory(media_type="series", title="Dark")
    for season, number in [(1, 1), (1, 2), (2, 1)]:
        ep = catalog.episode_add(series=title, season=season, number=number)
        add_file(title, episode=ep, quality="1080p", duration=3000.0)
    title.refresh_from_db()
    return title


@pytest.fixture
def manga():
    title = TitleFactory(media_type="manga", title="Solo Leveling", genres=["Action"])
    pages = [{"name": f"{i:03d}.jpg", "size": 1, "width": 1, "height": 1} for i in range(20)]
    for number in (1, 2, 2.5):
        catalog.chapter_add(manga=title, number=number, backend="local", ref="x", pages=pages)
    title.refresh_from_db()
    return title


def file_of(title, quality: str):
    return title.files.get(quality=quality)
