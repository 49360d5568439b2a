from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import Role, User, WishlistEntry
from core.models import AuditEntry
from tests.factories import GuestFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def admin_client(client):
    staff = StaffFactory()
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.fixture
def people():
    inviter = services.user_register_telegram(telegram_id=5001, first_name="Inviter")
    invited = [
        services.user_register_telegram(
            telegram_id=6000 + i, first_name=f"Friend {i}", ref_code=inviter.referral_code
        )
        for i in range(25)
    ]
    premium = UserFactory(role=Role.PREMIUM, premium_until=timezone.now() + timedelta(days=5))
    lapsed = UserFactory(role=Role.PREMIUM, premium_until=timezone.now() - timedelta(days=5))
    banned = UserFactory(role=Role.BANNED)
    bound = UserFactory()
    services.device_check(user=bound, fingerprint="tv")
    guest = GuestFactory()
    return locals()


def _names(response) -> str:
    return response.content.decode()


def test_changelist_filters_and_search(admin_client, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    cases = {
        "kind=guest": ([people["guest"]], [people["premium"]]),
        "role=banned": ([people["banned"]], [people["premium"]]),
        "premium_active=yes": ([people["premium"]], [people["lapsed"], people["banned"]]),
        "premium_active=no": ([people["lapsed"]], [people["premium"]]),
        "banned=yes": ([people["banned"]], [people["lapsed"]]),
        "device_bound=yes": ([people["bound"]], [people["premium"]]),
        "q=5001": ([people["inviter"]], [people["invited"][0]]),
        f"q={people['inviter'].referral_code}": ([people["inviter"]], [people["premium"]]),
        "q=Friend 3": ([people["invited"][3]], [people["inviter"]]),
        f"invited_by__id__exact={people['inviter'].pk}": (
            people["invited"][:3],
            [people["inviter"]],
        ),
    }
    for query, (shown, hidden) in cases.items():
        with django_assert_max_num_queries(12):
            response = admin_client.get(f"{CHANGELIST}?{query}")
        assert response.status_code == 200, query
        body = _names(response)
        for user in shown:
            assert f"/admin/accounts/user/{user.pk}/change/" in body, (query, user)
        for user in hidden:
            assert f"/admin/accounts/user/{user.pk}/change/" not in body, (query, user)


def test_change_form_shows_invited_users_and_no_secrets(
    admin_client, people, django_assert_max_num_queries
):
    inviter = people["inviter"]
    inviter.refresh_from_db()
    with django_assert_max_num_queries(15):
        response = admin_client.get(f"/admin/accounts/user/{inviter.pk}/change/")
    assert response.status_code == 200
    body = _names(response)
    assert "Friend 24" in body and "all invited users" in body
    assert f"invited_by__id__exact={inviter.pk}" in body
    assert body.count("/admin/accounts/user/") >= 20
    assert inviter.auth_token_secret not in body
    bound = people["bound"]
    bound.refresh_from_db()
    body = _names(admin_client.get(f"/admin/accounts/user/{bound.pk}/change/"))
    assert bound.bound_device_hash not in body and bound.auth_token_secret not in body


def _act(client, action: str, users, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [u.pk for u in users], **extra},
        follow=True,
    )


def test_actions_call_the_services(admin_client, people):
    target = UserFactory()
    victim_session = Client()
    victim_session.force_login(target)
    old_secret = target.auth_token_secret

    assert _act(admin_client, "ban_users", [target]).status_code == 200
    target.refresh_from_db()
    assert target.role == Role.BANNED and target.auth_token_secret != old_secret
    # The ban logged the user out: their session is gone (a guest now).
    assert victim_session.get("/api/me/").json()["kind"] == "guest"

    _act(admin_client, "unban_users", [target])
    target.refresh_from_db()
    assert target.role == Role.FREE

    response = _act(admin_client, "grant_premium", [target], days="7")
    target.refresh_from_db()
    assert target.role == Role.PREMIUM and target.premium_active
    assert "given 7 day(s) of premium" in response.content.decode()
    response = _act(admin_client, "grant_premium", [target], days="")
    assert "Enter a number of days" in response.content.decode()

    bound = people["bound"]
    _act(admin_client, "reset_device", [bound])
    bound.refresh_from_db()
    assert bound.bound_device_hash == ""

    secret = target.auth_token_secret
    _act(admin_client, "logout_everywhere", [target])
    target.refresh_from_db()
    assert target.auth_token_secret != secret

    # Every action left an audit row naming the staff member, and no secret.
    staff = admin_client.staff
    rows = AuditEntry.objects.filter(target_id__in=[str(target.pk), str(bound.pk)])
    assert sorted(rows.values_list("action", "actor_id")) == sorted(
        [
            ("user_ban", staff.pk),
            ("user_unban", staff.pk),
            ("user_grant_premium", staff.pk),
            ("user_device_reset", staff.pk),
            ("user_logout_everywhere", staff.pk),
        ]
    )
    dumped = str(list(rows.values("before", "after")))
    assert secret not in dumped and target.auth_token_secret not in dumped


def test_admin_cannot_ban_themselves(admin_client):
    _act(admin_client, "ban_users", [admin_client.staff])
    admin_client.staff.refresh_from_db()
    assert admin_client.staff.role != Role.BANNED


def test_moderator_can_ban_but_not_grant_premium(client, people):
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    assert client.get(CHANGELIST).status_code == 200
    target = people["premium"]
    _act(client, "ban_users", [target])
    target.refresh_from_db()
    assert target.role == Role.BANNED
    response = _act(client, "grant_premium", [people["lapsed"]], days="5")
    people["lapsed"].refresh_from_db()
    assert not people["lapsed"].premium_active
    assert response.status_code == 200
    # Role is read-only in the form: a moderator cannot change users at all.
    assert client.get(f"/admin/accounts/user/{target.pk}/change/").status_code == 200
    target_form = client.post(f"/admin/accounts/user/{target.pk}/change/", {"first_name": "x"})
    assert target_form.status_code == 403


def test_editor_sees_catalog_not_users(client):
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.get("/admin/catalog/title/").status_code == 200
    assert client.get(CHANGELIST).status_code == 403


def test_wishlist_admin_lists_requests(admin_client, django_assert_max_num_queries):
    for i in range(5):
        services.wishlist_add(user=UserFactory(), query=f"Wanted film {i}")
    with django_assert_max_num_queries(10):
        response = admin_client.get("/admin/accounts/wishlistentry/?status=requested")
    assert response.status_code == 200 and "Wanted film 4" in response.content.decode()
    assert User.objects.count() == 6
    entry = WishlistEntry.objects.get(query="Wanted film 2")
    with django_assert_max_num_queries(10):
        response = admin_client.get(f"/admin/accounts/wishlistentry/{entry.pk}/change/")
    assert response.status_code == 200 and "Wanted film 2" in response.content.decode()
