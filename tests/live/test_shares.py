"""Shares of a live stream: a copied link or a Telegram share, counted once per visitor (a
guest too), into the stream's count now and its analytics once the broadcast has ended; a bad
channel is a 400, an unknown stream a 404."""

from __future__ import annotations

import pytest
from django.test import Client

from live.models import StreamAnalytics, StreamShare
from tests.factories import LiveStreamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _share(client: Client, stream, channel: str = "link"):
    return client.post(
        f"/api/live/streams/{stream.public_id}/share/", {"channel": channel}, "application/json"
    )


def test_each_visitor_counts_once_whatever_they_share():
    stream = LiveStreamFactory()
    one, two = Client(), Client()
    one.force_login(UserFactory())
    two.force_login(UserFactory())
    assert _share(one, stream).json() == {"counted": True, "total_shares": 1}
    assert _share(one, stream, "telegram").json() == {"counted": False, "total_shares": 1}
    assert _share(two, stream, "telegram").json() == {"counted": True, "total_shares": 2}
    guest = Client()  # a visitor without an account: a guest is made, and counts once
    guest.get("/api/session/")  # the cookie first, as the site's pages give it
    assert _share(guest, stream).json()["total_shares"] == 3
    assert _share(guest, stream).json() == {"counted": False, "total_shares": 3}
    assert StreamShare.objects.filter(stream=stream).count() == 3
    assert Client().get(f"/api/live/streams/{stream.public_id}/").json()["total_shares"] == 3


def test_a_share_after_the_broadcast_reaches_its_analytics():
    stream = LiveStreamFactory()
    StreamAnalytics.objects.create(stream=stream, creator=stream.creator, shares=4)
    client = Client()
    client.force_login(UserFactory())
    _share(client, stream)
    assert StreamAnalytics.objects.get(stream=stream).shares == 5


def test_bad_input():
    stream = LiveStreamFactory()
    client = Client()
    client.force_login(UserFactory())
    bad = _share(client, stream, "fax")
    assert bad.status_code == 400 and "channel" in bad.json()["error"]["fields"]
    missing = client.post("/api/live/streams/nope/share/", {"channel": "link"}, "application/json")
    assert missing.status_code == 404
