"""fal's webhook signature: Ed25519 over four lines — the request id, the user id, the
timestamp (Unix seconds) and the hex SHA-256 of the raw body — sent as hex in
``X-Fal-Webhook-Signature``, verified against fal's published keys (a JWKS, kept a day). A
timestamp more than five minutes away from now is refused (a replay)."""

from __future__ import annotations

import base64
import hashlib
import time

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.cache import cache

LEEWAY = 300
JWKS_TTL = 24 * 3600
CACHE_KEY = "studio:fal-jwks"
HEADERS = ("request-id", "user-id", "timestamp", "signature")


class Unverified(Exception):
    """The delivery is not fal's (or is too old): refuse it."""


class KeysUnavailable(Exception):
    """fal's keys could not be fetched now: fal redelivers later."""


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def public_keys() -> list[Ed25519PublicKey]:
    keys = cache.get(CACHE_KEY)
    if keys is None:
        try:
            reply = httpx.get(settings.FAL_JWKS_URL, timeout=10.0)
            reply.raise_for_status()
            keys = [k["x"] for k in reply.json().get("keys", []) if k.get("crv") == "Ed25519"]
        except (httpx.HTTPError, ValueError, KeyError, AttributeError) as exc:
            raise KeysUnavailable(f"fal's webhook keys: {type(exc).__name__}") from exc
        cache.set(CACHE_KEY, keys, JWKS_TTL)
    return [Ed25519PublicKey.from_public_bytes(_b64url(x)) for x in keys]


def verify(headers: dict[str, str], body: bytes, *, now: float | None = None) -> str:
    """The request id of a genuine delivery; ``Unverified`` otherwise."""
    got = {h: headers.get(f"x-fal-webhook-{h}", "").strip() for h in HEADERS}
    missing = [h for h, v in got.items() if not v]
    if missing:
        raise Unverified(f"missing X-Fal-Webhook-{', '.join(missing)}")
    try:
        stamp = int(got["timestamp"])
        signature = bytes.fromhex(got["signature"])
    except ValueError as exc:
        raise Unverified("a malformed timestamp or signature") from exc
    if abs((now if now is not None else time.time()) - stamp) > LEEWAY:
        raise Unverified("the timestamp is more than five minutes away")
    message = "\n".join(
        [got["request-id"], got["user-id"], got["timestamp"], hashlib.sha256(body).hexdigest()]
    ).encode()
    for key in public_keys():
        try:
            key.verify(signature, message)
        except InvalidSignature:
            continue
        return got["request-id"]
    raise Unverified("the signature matches none of fal's keys")
