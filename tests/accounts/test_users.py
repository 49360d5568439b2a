from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import services
from accounts.errors import AccountsError
from accounts.models import MagicLinkToken, Role, User, UserKind
from tests.factories import GuestFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_register_creates_telegram_user_with_referral_code():
    user = services.user_register_telegram(telegram_id=42, first_name="John")
    assert user.kind == UserKind.TELEGRAM
    assert user.telegram_id == 42 and user.first_name == "John"
    assert user.role == Role.FREE and not user.has_usable_password()
    assert user.referral_code and len(user.referral_code) == 8
    again = services.user_register_telegram(telegram_id=42, first_name="Johnny")
    assert again.pk == user.pk and again.referral_code == user.referral_code
    assert User.objects.get(pk=user.pk).first_name == "Johnny"


def test_referral_counts_once_and_atomically():
    inviter = services.user_register_telegram(telegram_id=1, first_name="A")
    invitee = services.user_register_telegram(
        telegram_id=2, first_name="B", ref_code=inviter.referral_code.upper()
    )
    assert invitee.invited_by_id == inviter.pk
    inviter.refresh_from_db()
    assert inviter.invited_count == 1
    # /start again with the same or another code changes nothing.
    other = services.user_register_telegram(telegram_id=3, first_name="C")
    services.user_register_telegram(telegram_id=2, ref_code=inviter.referral_code)
    services.user_register_telegram(telegram_id=2, ref_code=other.referral_code)
    invitee.refresh_from_db()
    inviter.refresh_from_db()
    other.refresh_from_db()
    assert invitee.invited_by_id == inviter.pk
    assert (inviter.invited_count, other.invited_count) == (1, 0)


def test_referral_refuses_self_cycles_unknown_and_guests():
    a = services.user_register_telegram(telegram_id=10, first_name="A")
    assert services.referral_apply(user=a, code=a.referral_code) == "own_code"
    assert services.referral_apply(user=a, code="nosuchcode") == "unknown_code"
    b = services.user_register_telegram(telegram_id=11, ref_code=a.referral_code)
    c = services.user_register_telegram(telegram_id=12, ref_code=b.referral_code)
    assert c.invited_by_id == b.pk
    # a → b → c: a cannot be invited by c (cycle), nor by b (2-cycle).
    assert services.referral_apply(user=a, code=c.referral_code) == "cycle"
    assert services.referral_apply(user=a, code=b.referral_code) == "cycle"
    assert services.referral_apply(user=c, code=a.referral_code) == "already_invited"
    a.refresh_from_db()
    assert a.invited_by_id is None
    guest = GuestFactory()
    assert services.referral_apply(user=guest, code=a.referral_code) == "not_telegram"
    counts = dict(User.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "invited_count"))
    assert counts == {a.pk: 1, b.pk: 1, c.pk: 0}


def test_premium_expiry_behaves_as_free_without_cron():
    user = UserFactory(role=Role.PREMIUM, premium_until=timezone.now() + timedelta(days=1))
    assert user.premium_active and user.effective_role == Role.PREMIUM
    assert services.user_can_stream_quality(user=user, quality="2160p")
    User.objects.filter(pk=user.pk).update(premium_until=timezone.now() - timedelta(seconds=1))
    user.refresh_from_db()
    assert user.role == Role.PREMIUM  # nothing rewrote the row
    assert not user.premium_active and user.effective_role == Role.FREE
    assert not services.user_can_stream_quality(user=user, quality="2160p")
    assert services.user_can_stream_quality(user=user, quality="1080p")


def test_three_invites_unlock_2160p_and_it_is_configurable(settings):
    user = UserFactory(invited_count=2)
    assert not services.user_can_stream_quality(user=user, quality="2160p")
    user.invited_count = 3
    assert services.user_can_stream_quality(user=user, quality="2160p")
    settings.REFERRAL_UNLOCK_INVITES = 5
    assert not services.user_can_stream_quality(user=user, quality="2160p")
    settings.PREMIUM_QUALITY_MIN_HEIGHT = 1080
    user.invited_count = 0
    assert not services.user_can_stream_quality(user=user, quality="1080p")
    assert services.user_can_stream_quality(user=user, quality="720p")


def test_grant_premium_extends_running_time_and_refuses_banned():
    user = UserFactory()
    services.user_grant_premium(user=user, days=10, actor=None)
    user.refresh_from_db()
    assert user.role == Role.PREMIUM
    first_end = user.premium_until
    assert timedelta(days=9, hours=23) < first_end - timezone.now() <= timedelta(days=10)
    services.user_grant_premium(user=user, days=5, actor=None)
    user.refresh_from_db()
    assert user.premium_until == first_end + timedelta(days=5)
    banned = UserFactory(role=Role.BANNED)
    with pytest.raises(AccountsError) as err:
        services.user_grant_premium(user=banned, days=5, actor=None)
    assert err.value.code == "banned"


def test_ban_rotates_secret_revokes_links_and_unban_restores_paid_time():
    user = UserFactory(role=Role.PREMIUM, premium_until=timezone.now() + timedelta(days=3))
    link = services.user_magic_link(user=user)
    secret = user.auth_token_secret
    assert services.user_ban(user=user, actor=None) is True
    assert services.user_ban(user=user, actor=None) is False  # idempotent
    user.refresh_from_db()
    assert user.role == Role.BANNED and user.auth_token_secret != secret
    assert MagicLinkToken.objects.get(user=user).revoked_at is not None
    with pytest.raises(AccountsError) as err:
        services.magic_link_consume(token=link.token)
    assert err.value.code == "link_revoked"
    assert services.user_unban(user=user, actor=None) is True
    user.refresh_from_db()
    assert user.role == Role.PREMIUM


def test_device_reset_by_user_needs_the_bound_device():
    user = UserFactory()
    services.device_check(user=user, fingerprint="phone-1")
    user.refresh_from_db()
    assert user.bound_device_hash and "phone-1" not in user.bound_device_hash
    with pytest.raises(AccountsError) as err:
        services.user_device_reset(user=user, fingerprint="laptop")
    assert err.value.code == "device_mismatch"
    assert services.user_device_reset(user=user, fingerprint="phone-1") is True
    user.refresh_from_db()
    assert user.bound_device_hash == "" and user.device_locked_at is None
    services.device_check(user=user, fingerprint="laptop")
    assert services.user_device_reset(user=user, actor=UserFactory(is_staff=True)) is True


def test_staff_groups_exist_with_permissions():
    editors = Group.objects.get(name="Editors")
    moderators = Group.objects.get(name="Moderators")
    editor_perms = set(editors.permissions.values_list("content_type__app_label", "codename"))
    assert ("catalog", "change_title") in editor_perms
    assert ("catalog", "add_mediafile") in editor_perms
    assert all(app == "catalog" for app, _ in editor_perms)
    mod_perms = set(moderators.permissions.values_list("content_type__app_label", "codename"))
    assert ("accounts", "ban_user") in mod_perms
    assert ("accounts", "view_user") in mod_perms
    assert ("accounts", "change_user") not in mod_perms
    assert ("catalog", "change_title") not in mod_perms
    assert {("medic", "change_report"), ("core", "view_auditentry")} <= mod_perms
    assert ("medic", "view_repair") in mod_perms and ("medic", "view_linkcheck") in mod_perms
    assert ("medic", "delete_auditentry") not in mod_perms
    assert ("medic", "takedown_title") not in mod_perms  # takedowns stay with admins


def test_guests_purge_deletes_only_idle_guests(settings):
    settings.GUEST_IDLE_DAYS = 30
    old = timezone.now() - timedelta(days=31)
    idle = GuestFactory(last_seen_at=old)
    fresh = GuestFactory()
    idle_telegram = UserFactory(last_seen_at=old)
    assert services.guests_purge() == 1
    assert not User.objects.filter(pk=idle.pk).exists()
    assert User.objects.filter(pk__in=[fresh.pk, idle_telegram.pk]).count() == 2
    assert services.guests_purge() == 0


def _together(fns) -> list:
    """Run the callables in threads released at the same instant; their results in order."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(fns))
    results: list = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait(timeout=20)
            results[i] = fn()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_referrals_count_every_invite(postgres):
    inviter = services.user_register_telegram(telegram_id=900, first_name="Inviter")
    code = inviter.referral_code
    n = 6
    _together(
        [
            (lambda i=i: services.user_register_telegram(telegram_id=1000 + i, ref_code=code))
            for i in range(n)
        ]
    )
    inviter.refresh_from_db()
    assert inviter.invited_count == n
    assert User.objects.filter(invited_by=inviter).count() == n


@pytest.mark.django_db(transaction=True)
def test_concurrent_mutual_referrals_make_no_cycle(postgres):
    for _ in range(5):
        a = services.user_register_telegram(telegram_id=2000 + _ * 2, first_name="A")
        b = services.user_register_telegram(telegram_id=2001 + _ * 2, first_name="B")
        results = _together(
            [
                lambda a=a, b=b: services.referral_apply(user=a, code=b.referral_code),
                lambda a=a, b=b: services.referral_apply(user=b, code=a.referral_code),
            ]
        )
        assert sorted(results) == ["applied", "cycle"]
        a.refresh_from_db()
        b.refresh_from_db()
        assert (a.invited_by_id is None) != (b.invited_by_id is None)
