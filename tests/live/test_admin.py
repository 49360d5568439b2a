"""The live admin pages a moderator works from: each changelist in a fixed number of queries
whatever the number of rows, live streams first, the key never shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

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


def test_a_creators_dashboard_charts_their_broadcasts_by_day(client, django_assert_max_num_queries):
    """Views, peak viewers and hours watched per day for 30 days, from the analytics rows of
    the channel's broadcasts (another channel's not counted), in a fixed number of queries;
    linked from the creator's page; staff without the view permission get a 403."""
    creator = CreatorFactory(channel_name="Harbour Live")
    other = CreatorFactory(channel_name="Elsewhere")
    for views, peak, seconds in ((40, 12, 7200), (60, 30, 3600)):
        stream = LiveStreamFactory(status=StreamStatus.OFFLINE, creator=creator)
        StreamAnalytics.objects.create(
            stream=stream, creator=creator, view_count=views,
            peak_concurrent_viewers=peak, watch_duration=seconds,
        )  # fmt: skip
    stream = LiveStreamFactory(status=StreamStatus.OFFLINE, creator=other)
    StreamAnalytics.objects.create(stream=stream, creator=other, view_count=999)
    old = LiveStreamFactory(status=StreamStatus.OFFLINE, creator=creator)
    gone = StreamAnalytics.objects.create(stream=old, creator=creator, view_count=500)
    StreamAnalytics.objects.filter(pk=gone.pk).update(
        created_at=timezone.now() - timedelta(days=40)
    )

    client.force_login(StaffFactory())
    url = f"/admin/live/creator/{creator.pk}/dashboard/"
    assert url in client.get(f"/admin/live/creator/{creator.pk}/change/").content.decode()
    client.get(url)
    with django_assert_max_num_queries(10):
        body = client.get(url).content.decode()
    today = timezone.localdate().isoformat()
    assert f"<title>{today}: 100</title>" in body  # views, today: 40 + 60, not 999
    assert f"<title>{today}: 30</title>" in body  # the higher peak
    assert f"<title>{today}: 3</title>" in body  # 3 hours watched
    assert 'id="broadcasts">2<' in body  # the one of 40 days ago is out of the window
    assert body.count("<rect") == 3 * 30

    moderator = UserFactory(is_staff=True)
    client.force_login(moderator)
    assert client.get(url).status_code == 403
