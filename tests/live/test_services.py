"""Creators, keys, follows and likes (``live.services``): names are unique whatever their
case, a key exists only as its digest and a rotation kills the old one, follows and likes are
unique pairs whose cached counts stay exact under concurrent requests."""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from accounts.models import UserKind
from ingest.kinds import JobKind
from jobs.models import Job
from live import services
from live.models import Creator, Stream, StreamStatus
from tests.conftest import require
from tests.factories import GuestFactory, UserFactory


@pytest.fixture(autouse=True)
def _channels_need_no_approval(settings):
    """These channels go live at once (approval has its own tests: test_approval.py)."""
    settings.LIVE_CREATORS_AUTO_APPROVE = True


@pytest.mark.django_db
def test_channel_names_are_unique_and_sane():
    services.creator_become(user=UserFactory(), channel_name="  Night   Owl ")
    assert Creator.objects.get().channel_name == "Night Owl"
    with pytest.raises(ValidationError, match="taken"):
        services.creator_become(user=UserFactory(), channel_name="night owl")
    for bad in ("", "ab", "<script>", "x" * 61):
        with pytest.raises(ValidationError):
            services.creator_become(user=UserFactory(), channel_name=bad)


@pytest.mark.django_db
def test_a_key_is_stored_as_its_digest_and_a_rotation_kills_the_old_one():
    creator = services.creator_become(user=UserFactory(), channel_name="Keys")
    old = services.stream_key_rotate(creator=creator)
    assert creator.stream_key_hash == services.key_digest(old) != old
    new = services.stream_key_rotate(creator=creator)
    assert isinstance(services.publish_start(key=old), services.Refusal)
    started = services.publish_start(key=new, client_id="7")
    assert isinstance(started, Stream) and started.status == StreamStatus.LIVE
    again = services.publish_start(key=new, client_id="8")
    assert isinstance(again, services.Refusal) and again.status == 409
    assert services.publish_done(key=new, client_id="7").status == StreamStatus.OFFLINE
    assert services.publish_done(key=new, client_id="7") is None  # idempotent


@pytest.mark.django_db
def test_going_live_starts_the_earliest_scheduled_stream():
    creator = services.creator_become(user=UserFactory(), channel_name="Planner")
    soon = timezone.now() + datetime.timedelta(hours=1)
    later = Stream.objects.create(
        creator=creator,
        title="Later",
        status="scheduled",
        scheduled_at=soon + datetime.timedelta(hours=2),
    )
    first = Stream.objects.create(
        creator=creator, title="First", status="scheduled", scheduled_at=soon
    )
    started = services.publish_start(key=services.stream_key_rotate(creator=creator))
    assert started.pk == first.pk and Stream.objects.get(pk=later.pk).status == "scheduled"


@pytest.mark.django_db(transaction=True)
def test_follow_and_like_counts_stay_exact_under_concurrency():
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    creator = services.creator_become(user=UserFactory(), channel_name="Popular")
    stream = Stream.objects.create(creator=creator, title="Show")
    fans = [UserFactory() for _ in range(6)]

    def follow_and_like(user):
        try:
            services.follow_set(user=user, creator=creator, following=True)
            services.like_set(user=user, stream=stream, liked=True)
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(follow_and_like, fans * 3))  # every fan three times, at once
    creator.refresh_from_db()
    stream.refresh_from_db()
    assert creator.total_followers == 6 and creator.follows.count() == 6
    assert stream.total_likes == creator.total_likes == 6
    assert services.follow_set(user=fans[0], creator=creator, following=False) is True
    assert services.follow_set(user=fans[0], creator=creator, following=False) is False
    assert services.like_set(user=fans[0], stream=stream, liked=False) is True
    creator.refresh_from_db()
    assert creator.total_followers == 5 and creator.total_likes == 5
    with pytest.raises(ValidationError):
        services.follow_set(user=creator.user, creator=creator, following=True)


@pytest.mark.django_db
def test_going_live_tells_the_followers_who_have_telegram(settings):
    settings.SITE_URL = "https://sv.example"
    creator = services.creator_become(user=UserFactory(), channel_name="Morning Show")
    on_telegram = UserFactory(kind=UserKind.TELEGRAM, telegram_id=5551)
    on_the_web = GuestFactory()
    for user in (on_telegram, on_the_web):
        services.follow_set(user=user, creator=creator, following=True)
    stream = services.publish_start(key=services.stream_key_rotate(creator=creator))
    jobs = list(Job.objects.filter(kind=JobKind.NOTIFY_USER))
    assert [j.payload["user_id"] for j in jobs] == [on_telegram.pk]
    assert f"https://sv.example/live/{stream.public_id}" in jobs[0].payload["text"]
    services.followers_tell(stream=stream)  # told once per broadcast
    assert Job.objects.filter(kind=JobKind.NOTIFY_USER).count() == 1
