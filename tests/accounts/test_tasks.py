from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts import services, tasks
from accounts.errors import AccountsError
from accounts.models import MagicLinkToken, User, WatchProgress
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
def test_beat_rows_run_the_purges():
    rows = dict(
        PeriodicTask.objects.filter(task__startswith="accounts.").values_list("task", "enabled")
    )
    assert rows == {"accounts.guests_purge": True, "accounts.magic_links_purge": True}
    assert {tasks.guests_purge.name, tasks.magic_links_purge.name} == set(rows)


@pytest.mark.django_db
def test_magic_links_purge_drops_only_long_expired_records():
    user = UserFactory()
    old = services.user_magic_link(user=user)
    fresh = services.user_magic_link(user=user)
    MagicLinkToken.objects.filter(jti=_jti(old)).update(
        expires_at=timezone.now() - timedelta(days=2)
    )
    assert tasks.magic_links_purge.delay().get() == 1
    assert list(MagicLinkToken.objects.values_list("jti", flat=True)) == [_jti(fresh)]
    with pytest.raises(AccountsError) as err:
        services.magic_link_consume(token=old.token)
    assert err.value.code in {"link_expired", "link_invalid"}
    assert services.magic_link_consume(token=fresh.token) == user


def _jti(link) -> str:
    return jwt.decode(link.token, options={"verify_signature": False})["jti"]


@pytest.mark.django_db
def test_activity_keeps_a_guest(client, settings):
    client.get("/api/me/")
    guest = User.objects.get()
    User.objects.filter(pk=guest.pk).update(last_seen_at=timezone.now() - timedelta(days=31))
    client.get("/api/me/")  # back after a month: seen again
    assert services.guests_purge() == 0
    assert User.objects.filter(pk=guest.pk).exists()


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
