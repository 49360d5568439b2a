"""Two-factor login for the admin (TOTP, django-otp): keyword-only services.

A staff member turns it on from the admin's *Two-factor login* page: a new, unconfirmed TOTP
device is made, its QR code (an ``otpauth://`` URL) scanned into an authenticator app, and a
first code from the app confirms it. From then on the admin asks for a code at sign-in and
serves them only in a session a code verified. ``ADMIN_REQUIRE_OTP`` makes it compulsory for
superusers: until they have turned it on, the admin shows them the set-up page only. Turning
it off needs a current code (and is refused while it is required). Each change is audited;
the secret is shown only as the QR code and its text, on the set-up page, before it is
confirmed.
"""

from __future__ import annotations

import io
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import audit_record

DEVICE_NAME = "Authenticator app"


def required_for(user: Any) -> bool:
    """Whether the site requires two-factor login of this user (superusers, when
    ``ADMIN_REQUIRE_OTP`` is set)."""
    return bool(settings.ADMIN_REQUIRE_OTP and user.is_superuser)


def _has_device(user: Any) -> bool:
    """Whether the user has a confirmed device: asked once per request (the admin asks on
    every permission check), remembered on the user object."""
    known = getattr(user, "_sv_has_otp_device", None)
    if known is None:
        known = user_has_device(user)
        user._sv_has_otp_device = known
    return known


def otp_required(user: Any) -> bool:
    """Whether this staff member must sign in with a code: they turned it on, or it is
    required of them."""
    return required_for(user) or _has_device(user)


def setup_needed(user: Any) -> bool:
    """A user of whom a code is required who has not set two-factor login up yet."""
    return required_for(user) and not _has_device(user)


def device_pending(*, user: Any) -> TOTPDevice:
    """The user's unconfirmed device (made once, kept until confirmed): what the set-up page
    shows as a QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` URL as an inline SVG QR code."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _code(token: str) -> str:
    token = "".join((token or "").split())
    if not token.isdigit() or len(token) != 6:
        raise ValidationError({"token": ["The 6-digit code from your authenticator app."]})
    return token


@transaction.atomic
def device_confirm(*, user: Any, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending device with a code from the app: two-factor login is on. False when
    the code is wrong (or the device is not this user's pending one)."""
    token = _code(token)
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit_record(actor=user, action="otp_enable", target=user)
    return True


@transaction.atomic
def otp_disable(*, user: Any, token: str) -> bool:
    """Turn two-factor login off with a current code. Refused while it is required."""
    token = _code(token)
    if required_for(user):
        raise ValidationError({"token": ["Two-factor login is required for superusers here."]})
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if not any(device.verify_token(token) for device in devices):
        return False
    TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=user, action="otp_disable", target=user)
    return True


def otp_reset(*, user: Any, actor: Any) -> bool:
    """A superuser removes a staff member's devices (a lost phone): they set it up again."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    if removed:
        audit_record(actor=actor, action="otp_reset", target=user)
    return bool(removed)
