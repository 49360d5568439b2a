"""A JSON body nested absurdly deep is a 400 in the error shape, refused before decoding
(Python's decoder would recurse until ``RecursionError``: a 500)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.json_parser import MAX_DEPTH, json_depth_ok
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"a":' * 100_000, b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)],
)
@pytest.mark.parametrize("path", ["/api/reports/", "/api/me/wishlist/"])
def test_deep_nesting_is_a_400_on_every_json_write(body, path):
    client = APIClient()
    client.force_login(UserFactory())
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert "nested deeper" in response.json()["error"]["message"]


def test_the_depth_count_skips_strings_and_allows_ordinary_bodies():
    assert json_depth_ok(b'{"note": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert json_depth_ok(b'{"q": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert json_depth_ok(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert not json_depth_ok(b"[" * (MAX_DEPTH + 1))
