"""Secrets at rest (worker session strings, proxy URLs): Fernet tokens.

``SWARM_SESSION_KEYS`` holds Fernet keys, newest first: the first encrypts, all decrypt, so a
key can be rotated by prepending a new one. Without keys, one is derived from ``SECRET_KEY``
with HKDF (a separate key per purpose, never the secret key itself).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnreadable(Exception):
    """The token was made with a key we no longer have (or was tampered with)."""


def _derived_key(secret: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"streamvault-swarm", info=b"session")
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    material = [k.encode() for k in keys] or [_derived_key(secret_key)]
    return MultiFernet([Fernet(k) for k in material])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.SWARM_SESSION_KEYS), settings.SECRET_KEY)


def secret_encrypt(*, plain: str) -> str:
    if not plain:
        return ""
    return _current().encrypt(plain.encode()).decode()


def secret_decrypt(*, token: str) -> str:
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("cannot decrypt: unknown key or corrupted token") from exc
