from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import TitleFactory, UserFactory


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """The posting limits have their own test."""
    settings.COMMENT_RATE = settings.COMMENT_IP_RATE = "10000/min"


@pytest.fixture
def api() -> APIClient:
    """A browser-like client that keeps the cookie the site sets (it may become a guest)."""
    client = APIClient()
    client.get("/api/session/")
    return client


@pytest.fixture
def member(api):
    user = UserFactory(first_name="Mia", kind="telegram")
    api.force_login(user)
    return user


@pytest.fixture
def movie():
    return TitleFactory(title="Some Film", status="available")


def target(title) -> str:
    return f"title:{title.short_id}"
