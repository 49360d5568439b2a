"""Two-factor login for the admin (TOTP): a staff member turns it on from the admin (a QR code,
then a first code), from then on signing in asks for a code and a session no code verified is
sent back to sign in; ``ADMIN_REQUIRE_OTP`` gives a superuser without it nothing but the set-up
page; turning it off needs a current code. Each change is audited; the secret never shows in
the device list."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEntry
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long admin password"


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The app's code now (or a step later: a used code is never accepted twice)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def _staff(**kw):
    user = StaffFactory(**kw)
    user.set_password(PASSWORD)
    user.save()
    return user


def _login(client: Client, user, token: str = ""):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": user.username, "password": PASSWORD, "otp_token": token},
    )


def _turn_on(client: Client, user) -> TOTPDevice:
    page = client.get("/admin/two-factor/").content.decode()
    assert "<svg" in page and "Two-factor login is off" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/admin/two-factor/", {"token": "000000"}).content.decode()
    assert "not right" in wrong
    time.sleep(1.1)  # a wrong code holds the next try back a second (django-otp's throttle)
    done = client.post("/admin/two-factor/", {"token": _code(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_without_two_factor_the_password_is_enough():
    user = _staff()
    client = Client()
    assert _login(client, user).status_code == 302
    index = client.get("/admin/")
    assert index.status_code == 200 and 'href="/admin/two-factor/"' in index.content.decode()


def test_turned_on_the_admin_asks_for_a_code_and_checks_the_session():
    user = _staff()
    client = Client()
    _login(client, user)
    device = _turn_on(client, user)
    assert client.get("/admin/").status_code == 200  # the session the code verified
    assert AuditEntry.objects.filter(action="otp_enable", actor=user).count() == 1
    fresh = Client()
    refused = _login(fresh, user)
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    assert _login(fresh, user, "123456").status_code == 200  # a wrong code
    time.sleep(1.1)
    assert _login(fresh, user, _code(device, steps_ahead=1)).status_code == 302
    assert fresh.get("/admin/").status_code == 200
    # Signed in some other way (no code): the admin sends them to sign in again.
    other = Client()
    other.force_login(user)
    assert other.get("/admin/").status_code == 302


def test_required_for_superusers_nothing_but_the_set_up_page(settings):
    settings.ADMIN_REQUIRE_OTP = True
    user = _staff()
    client = Client()
    assert _login(client, user).status_code == 302  # no device yet: the password alone
    landed = client.get("/admin/")
    assert landed.status_code == 302 and landed["Location"] == "/admin/two-factor/"
    assert client.get("/admin/live/creator/").status_code == 302
    assert "required for superusers" in client.get("/admin/two-factor/").content.decode()
    device = _turn_on(client, user)
    assert client.get("/admin/").status_code == 200
    page = client.post("/admin/two-factor/", {"token": _code(device, 1)}).content.decode()
    assert "required for superusers" in page and TOTPDevice.objects.filter(user=user).exists()


def test_turning_it_off_needs_a_current_code():
    user = _staff()
    client = Client()
    _login(client, user)
    device = _turn_on(client, user)
    client.post("/admin/two-factor/", {"token": "999999"})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    time.sleep(1.1)
    client.post("/admin/two-factor/", {"token": _code(device, steps_ahead=1)})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="otp_disable", actor=user).count() == 1


def test_the_device_list_never_shows_the_secret_and_a_reset_is_audited():
    owner = _staff()
    owner_client = Client()
    _login(owner_client, owner)
    device = _turn_on(owner_client, owner)
    admin = StaffFactory()
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/otp_totp/totpdevice/").content.decode()
    change = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert str(owner) in listing
    assert device.key not in listing + change
    assert "otpauth" not in listing + change
    client.post("/admin/otp_totp/totpdevice/",
                {"action": "reset", "_selected_action": [device.pk]})  # fmt: skip
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert AuditEntry.objects.get(action="otp_reset").actor == admin
