"""Capacity tiers: a tenant's tier sets the stream requests per minute and the concurrent
streams of all its visitors together (Redis), enforced by the gatekeeper on its domain only;
a player's heartbeat keeps its slot in both sets and stopping frees it."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import TitleFactory, UserFactory, add_file

pytestmark = pytest.mark.django_db
DEVICE = {"HTTP_X_DEVICE_FINGERPRINT": "device-1"}
HOST = "small.example"


@pytest.fixture
def small(settings, site):
    settings.TENANT_CAPACITY_TIERS = {
        "basic": {"rate_per_minute": 5, "streams": 2},
        "plus": {"rate_per_minute": 100, "streams": 100},
        "pro": {"rate_per_minute": 1000, "streams": 1000},
    }
    settings.STREAM_RATE_LIMIT = 100
    return site("Small", HOST, capacity_tier="basic")


def _api(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def _stream(api: APIClient, file_hash: str, host: str = HOST, session: str = ""):
    body = {"session": session} if session else {}
    return api.post(f"/api/stream/{file_hash}/", body, format="json", HTTP_HOST=host, **DEVICE)


def test_the_tiers_stream_cap_counts_every_visitor_of_the_site(small):
    f = add_file(TitleFactory())
    viewers = [_api(UserFactory(role=Role.FREE)) for _ in range(3)]
    first, second = _stream(viewers[0], f.file_hash), _stream(viewers[1], f.file_hash)
    assert first.status_code == 200 and second.status_code == 200
    third = _stream(viewers[2], f.file_hash)
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "site_at_capacity" and third["Retry-After"]
    elsewhere = _stream(viewers[2], f.file_hash, host="testserver")
    assert elsewhere.status_code == 200  # the main site has no such cap
    # The same player asking again keeps its slot (no new one needed).
    session = first.json()["session"]
    assert _stream(viewers[0], f.file_hash, session=session).status_code == 200
    beat = viewers[0].post(
        "/api/stream/heartbeat/", {"session": session}, format="json", HTTP_HOST=HOST
    )
    assert beat.status_code == 204
    stop = viewers[0].delete(f"/api/stream/heartbeat/?session={session}", HTTP_HOST=HOST)
    assert stop.status_code == 204
    # The freed slot: the third viewer's player moves to this site with its session.
    moved = _stream(viewers[2], f.file_hash, session=elsewhere.json()["session"])
    assert moved.status_code == 200


def test_the_tiers_rate_limit_counts_every_visitor_of_the_site(small):
    f = add_file(TitleFactory())
    if time.time() % 60 > 50:  # the limit counts per clock minute: not across a boundary
        time.sleep(61 - time.time() % 60)
    answers = []
    for _ in range(6):
        api = _api(UserFactory(role=Role.FREE))
        answers.append(_stream(api, f.file_hash))
        if answers[-1].status_code == 200:  # stop at once: only the request rate counts here
            session = answers[-1].json()["session"]
            api.delete(f"/api/stream/heartbeat/?session={session}", HTTP_HOST=HOST)
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert "site" in answers[-1].json()["error"]["message"]
