from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts import services, tasks
from accounts.models import User, WatchProgress
from catalog import services as catalog
from tests.factories import GuestFactory, TitleFactory, UserFactory


@pytest.mark.django_db
def test_purge_keeps_documents_right_when_guests_voted_intros():
    title = TitleFactory()
    old = timezone.now() - timedelta(days=40)
    guests = [GuestFactory(last_seen_at=old) for _ in range(3)]
    for guest in guests:
        catalog.intro_vote_cast(title=title, user=guest, start=60, end=90)
    title.refresh_from_db()
    assert title.document["intro_timings"] is not None
    WatchProgress.objects.create(user=guests[0], title=title, position=10)
    assert tasks.guests_purge.delay().get() == 3
    title.refresh_from_db()
    assert title.document["intro_timings"] is None  # rebuilt (the autouse check agrees)
    assert not WatchProgress.objects.exists()


@pytest.mark.django_db
def test_beat_schedule_runs_the_purge():
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-guests-purge"]
    assert entry["task"] == tasks.guests_purge.name == "accounts.guests_purge"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_purge_on_a_real_worker(celery_worker):
    idle = GuestFactory(last_seen_at=timezone.now() - timedelta(days=31))
    active = GuestFactory()
    member = UserFactory(last_seen_at=timezone.now() - timedelta(days=400))
    result = tasks.guests_purge.delay()
    assert result.get(timeout=30) == 1
    assert set(User.objects.values_list("pk", flat=True)) == {active.pk, member.pk}
    assert idle.pk not in set(User.objects.values_list("pk", flat=True))
    assert result.get(timeout=30) == 1
    assert services.guests_purge() == 0  # idempotent
