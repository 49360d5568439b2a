"""The live admin pages a moderator works from: each changelist in a fixed number of queries
whatever the number of rows, live streams first, the key never shown."""

from __future__ import annotations

import pytest

from live.models import ChatBan, ChatMessage, StreamAnalytics, StreamReport, StreamStatus
from tests.factories import CreatorFactory, LiveStreamFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _rows(n: int) -> None:
    for _ in range(n):
        stream = LiveStreamFactory(status=StreamStatus.OFFLINE, creator=CreatorFactory(
            stream_key_hash=UserFactory().username.ljust(64, "0")))  # fmt: skip
        ChatMessage.objects.create(stream=stream, user=UserFactory(), message="hello")
        ChatBan.objects.create(creator=stream.creator, user=UserFactory())
        StreamAnalytics.objects.create(stream=stream, creator=stream.creator, view_count=3)
        StreamReport.objects.create(stream=stream, reported_by=UserFactory(), reason="spam")


@pytest.mark.parametrize(
    "url",
    ["stream", "creator", "chatmessage", "chatban", "streamanalytics", "category", "streamreport"],
)
def test_changelists_take_a_fixed_number_of_queries(client, url, django_assert_max_num_queries):
    client.force_login(StaffFactory())
    _rows(2)
    client.get(f"/admin/live/{url}/")  # warm the content types and the like
    with django_assert_max_num_queries(12) as few:
        assert client.get(f"/admin/live/{url}/").status_code == 200
    _rows(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/admin/live/{url}/").status_code == 200


def test_live_streams_come_first_and_keys_never_show(client):
    client.force_login(StaffFactory())
    LiveStreamFactory(status=StreamStatus.OFFLINE, title="Old show")
    live = LiveStreamFactory(title="On air now", creator=CreatorFactory(stream_key_hash="f" * 64))
    body = client.get("/admin/live/stream/").content.decode()
    assert body.index("On air now") < body.index("Old show")
    creator_page = client.get(f"/admin/live/creator/{live.creator_id}/change/").content.decode()
    assert "f" * 64 not in creator_page
