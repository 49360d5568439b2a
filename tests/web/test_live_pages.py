"""The live pages render from a fixed number of queries: the directory, a stream, a channel,
the creator dashboard (each state) and the privacy and terms pages (admin-edited)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from live.models import Category, Follow, PageSettings, StreamStatus
from tests.factories import CreatorFactory, GuestFactory, LiveStreamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_directory_lists_live_scheduled_and_trending(client, django_assert_max_num_queries):
    Category.objects.create(name="Games", image="img")
    for _ in range(3):
        LiveStreamFactory()
    LiveStreamFactory(status=StreamStatus.SCHEDULED, title="Tomorrow's show",
                      scheduled_at=timezone.now() + datetime.timedelta(days=1))  # fmt: skip
    with django_assert_max_num_queries(6):
        response = client.get("/live/")
    assert response.status_code == 200
    body = response.content.decode()  # each live stream: in "Live now" and in "Trending"
    assert body.count("LIVE ·") == 6 and "Tomorrow&#x27;s show" in body and "Games" in body


def test_a_stream_page_and_a_channel_page(client, django_assert_max_num_queries):
    stream = LiveStreamFactory(title="Night <b>ride</b>")
    with django_assert_max_num_queries(3):
        response = client.get(f"/live/{stream.public_id}")
    body = response.content.decode()
    assert response.status_code == 200 and "hls.light.min.js" in body
    assert "Night &lt;b&gt;ride&lt;/b&gt;" in body and "<b>ride" not in body
    with django_assert_max_num_queries(5):
        channel = client.get(f"/live/channel/{stream.creator_id}/")
    assert channel.status_code == 200 and stream.creator.channel_name in channel.content.decode()
    assert client.get("/live/nope").status_code == 404
    assert client.get("/live/channel/999999/").status_code == 404


def test_the_dashboard_in_each_state(client):
    assert "Sign in with Telegram" in client.get("/live/studio/").content.decode()
    client.force_login(GuestFactory())
    assert "Sign in with Telegram" in client.get("/live/studio/").content.decode()
    client.force_login(UserFactory())
    assert "Open your channel" in client.get("/live/studio/").content.decode()
    creator = CreatorFactory(stream_key_hash="ab" * 32)
    client.force_login(creator.user)
    body = client.get("/live/studio/").content.decode()
    assert "rtmp://" in body and "shown only once" in body and "ab" * 32 not in body


def test_privacy_and_terms_come_from_the_page_settings(client):
    assert "Not written yet" in client.get("/pages/privacy/").content.decode()
    PageSettings.objects.create(privacy_policy="We keep little.", terms_and_conditions="Be kind.")
    assert "We keep little." in client.get("/pages/privacy/").content.decode()
    assert "Be kind." in client.get("/pages/terms/").content.decode()


def test_the_home_page_shows_live_channels_you_follow(client, django_assert_max_num_queries):
    viewer = UserFactory()
    followed = LiveStreamFactory(title="Followed show")
    LiveStreamFactory(title="Other")
    Follow.objects.create(follower=viewer, creator=followed.creator)
    client.force_login(viewer)
    with django_assert_max_num_queries(11):  # session, user, rows (most watched too), history
        body = client.get("/").content.decode()
    assert "Live now from channels you follow" in body
    assert "Followed show" in body and "Other" not in body


def test_the_dashboard_offers_the_channel_s_links(client):
    creator = CreatorFactory(
        social_accounts=[{"platform": "YouTube", "url": "https://yt.example/a"}]
    )
    client.force_login(creator.user)
    body = client.get("/live/studio/").content.decode()
    assert 'value="YouTube"' in body and 'value="https://yt.example/a"' in body
    assert body.count('name="platform"') == 3  # the saved one and two empty slots
