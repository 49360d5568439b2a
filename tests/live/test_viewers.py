"""Viewers counted from HLS playlist fetches (Redis, per viewer session), the performance cache
written from them, ``StreamAnalytics`` rolled up when the broadcast ends, and the daily
clean-up — the beat tasks on a real worker."""

from __future__ import annotations

import datetime
import os
import time

import pytest
from django.test import Client
from django.utils import timezone

from core.redis import client as redis_client
from live import cleanup, services, tasks, viewers
from live.models import ChatMessage, Creator, Stream, StreamAnalytics, StreamLike, StreamStatus
from tests.factories import LiveStreamFactory, UserFactory
from tests.support.swarm import wait_for


@pytest.fixture(autouse=True)
def _channels_need_no_approval(settings):
    """These channels go live at once (approval has its own tests: test_approval.py)."""
    settings.LIVE_CREATORS_AUTO_APPROVE = True


PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n{id}-0.ts\n"


@pytest.fixture
def hls_dir(tmp_path, settings):
    settings.LIVE_HLS_DIR = str(tmp_path / "hls")
    (tmp_path / "hls").mkdir()
    return tmp_path / "hls"


def _files(hls_dir, stream) -> None:
    (hls_dir / f"{stream.public_id}.m3u8").write_bytes(
        PLAYLIST.replace(b"{id}", stream.public_id.encode())
    )
    (hls_dir / f"{stream.public_id}-0.ts").write_bytes(b"\x47" * 188)


@pytest.mark.django_db
def test_playlist_fetches_count_viewers_and_the_end_rolls_up_analytics(hls_dir, settings):
    stream = LiveStreamFactory(total_likes=3, total_comments=4)
    _files(hls_dir, stream)
    signed_in, anonymous = Client(), Client()
    signed_in.force_login(UserFactory())
    url = f"/live/hls/{stream.public_id}.m3u8"
    for viewer in (signed_in, anonymous, signed_in):
        response = viewer.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.apple.mpegurl"
        assert response["Cache-Control"] == "no-cache"
    segment = anonymous.get(f"/live/hls/{stream.public_id}-0.ts")
    assert segment.status_code == 200 and segment["Content-Type"] == "video/mp2t"
    assert viewers.viewers_flush(stream_id=stream.pk) == 2
    stream.refresh_from_db()
    assert (stream.current_viewers, stream.peak_viewers, stream.total_views) == (2, 2, 2)
    assert Creator.objects.get(pk=stream.creator_id).total_stream_views == 2
    viewers.viewers_flush(stream_id=stream.pk)  # again: nothing counted twice
    assert Creator.objects.get(pk=stream.creator_id).total_stream_views == 2

    services.stream_end(stream=stream, actor=None)
    stream.refresh_from_db()
    assert stream.status == StreamStatus.OFFLINE and stream.current_viewers == 0
    analytics = StreamAnalytics.objects.get(stream=stream)
    assert (analytics.view_count, analytics.unique_viewers, analytics.peak_concurrent_viewers) == (
        2, 2, 2,
    )  # fmt: skip
    assert (analytics.likes, analytics.comments) == (3, 4)
    assert analytics.watch_duration >= 0
    assert ChatMessage.objects.filter(stream=stream, message="The broadcast has ended.").exists()
    # Once it is over, the playlist is gone for viewers.
    assert anonymous.get(url).status_code == 404


@pytest.mark.django_db
def test_hls_refuses_unknown_names_and_streams(client, hls_dir):
    stream = LiveStreamFactory()
    for name in ("nope.m3u8", f"{stream.public_id}.mp4", f"{stream.public_id}-x.ts", "..%2f.m3u8"):
        assert client.get(f"/live/hls/{name}").status_code == 404
    assert client.get(f"/live/hls/{stream.public_id}.m3u8").status_code == 404  # not written yet
    assert client.post(f"/live/hls/{stream.public_id}.m3u8").status_code == 405


@pytest.mark.django_db
def test_clean_up_keeps_the_cached_totals(settings):
    old = timezone.now() - datetime.timedelta(days=91)
    stream = LiveStreamFactory(status=StreamStatus.OFFLINE, ended_at=old, total_likes=1)
    kept = LiveStreamFactory(status=StreamStatus.OFFLINE, ended_at=timezone.now())
    like = StreamLike.objects.create(user=UserFactory(), stream=kept)
    StreamLike.objects.filter(pk=like.pk).update(created_at=old)
    line = ChatMessage.objects.create(stream=kept, message="old line")
    ChatMessage.objects.filter(pk=line.pk).update(created_at=old)
    Creator.objects.filter(pk=kept.creator_id).update(total_likes=1)
    Stream.objects.filter(pk=kept.pk).update(total_likes=1)

    gone = cleanup.expired_delete()
    assert gone == {"likes": 1, "analytics": 0, "chat": 0, "streams": 1}
    assert not Stream.objects.filter(pk=stream.pk).exists()
    assert ChatMessage.objects.filter(pk=line.pk).exists()  # LIVE_CHAT_TTL_DAYS = 0: kept
    assert Stream.objects.get(pk=kept.pk).total_likes == 1  # totals are not recomputed
    assert Creator.objects.get(pk=kept.creator_id).total_likes == 1
    settings.LIVE_CHAT_TTL_DAYS = 30
    assert cleanup.expired_delete()["chat"] == 1


def test_beat_tasks_on_a_worker(celery_worker, settings):
    """``live: viewers`` lowers the count when a viewer stops fetching; ``live: clean-up``
    deletes what expired — both through the broker on a real worker."""
    stream = LiveStreamFactory(current_viewers=1, peak_viewers=1)
    r = redis_client(settings.REDIS_URL)
    r.zadd(f"live:v:now:{stream.public_id}", {"gone-viewer": time.time() - 3600})
    tasks.viewers_refresh.delay()
    wait_for(lambda: Stream.objects.get(pk=stream.pk).current_viewers == 0, timeout=30)
    assert Stream.objects.get(pk=stream.pk).peak_viewers == 1

    old = timezone.now() - datetime.timedelta(days=100)
    ended = LiveStreamFactory(status=StreamStatus.OFFLINE, ended_at=old)
    tasks.cleanup_daily.delay()
    wait_for(lambda: not Stream.objects.filter(pk=ended.pk).exists(), timeout=30)


@pytest.mark.django_db
def test_a_stream_whose_publisher_vanished_is_ended(hls_dir):
    """No on_publish_done (nginx restarted, a callback failed): the playlist stops changing,
    the beat task ends the stream, and the channel can go live again at once."""
    creator = services.creator_become(user=UserFactory(), channel_name="Lost Signal")
    key = services.stream_key_rotate(creator=creator)
    first = services.publish_start(key=key, client_id="1")
    assert isinstance(services.publish_start(key=key, client_id="2"), services.Refusal)
    Stream.objects.filter(pk=first.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    _files(hls_dir, first)  # written now: still fresh, not stale
    assert tasks.viewers_refresh() == 1
    assert Stream.objects.get(pk=first.pk).status == StreamStatus.LIVE
    old = time.time() - 120
    os.utime(hls_dir / f"{first.public_id}.m3u8", (old, old))
    second = services.publish_start(key=key, client_id="2")  # the stale one ends first
    assert isinstance(second, Stream) and second.pk != first.pk
    assert Stream.objects.get(pk=first.pk).status == StreamStatus.OFFLINE
    assert StreamAnalytics.objects.filter(stream=first).exists()
    Stream.objects.filter(pk=second.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert tasks.viewers_refresh() == 0  # no playlist at all: ended by the beat task
    assert Stream.objects.get(pk=second.pk).status == StreamStatus.OFFLINE
