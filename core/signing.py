"""Signed stream URLs, byte for byte nginx's ``secure_link_md5``:

    secure_link $arg_md5,$arg_expires;
    secure_link_md5 "$secure_link_expires$uri <STREAM_SIGNING_SECRET>";

md5 = base64url, no padding, of MD5(f"{expires}{uri} {secret}"). The same URL is accepted by
real nginx and by our own streaming endpoint (``verify``), so either can sit in front.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlencode

from django.conf import settings


class LinkCheck(Enum):
    OK = "ok"
    INVALID = "invalid"  # nginx: 403
    EXPIRED = "expired"  # nginx: 410


@dataclass(frozen=True)
class SignedUrl:
    url: str
    expires: int


def signature(*, uri: str, expires: int | str, secret: str | None = None) -> str:
    secret = settings.STREAM_SIGNING_SECRET if secret is None else secret
    digest = hashlib.md5(f"{expires}{uri} {secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign(*, uri: str, ttl: int, now: float | None = None) -> SignedUrl:
    """Sign a path (``/s/<file_hash>``) for ``ttl`` seconds; the URL is on STREAM_BASE_URL."""
    expires = int(now if now is not None else time.time()) + ttl
    query = urlencode({"md5": signature(uri=uri, expires=expires), "expires": expires})
    return SignedUrl(url=f"{settings.STREAM_BASE_URL.rstrip('/')}{uri}?{query}", expires=expires)


# An expiry is a Unix time in ASCII digits (``str.isdigit`` also takes "²" and other scripts'
# digits), signed as the very string the URL carries — "0123" is not "123", for nginx neither;
# a signature is 22 base64url characters, optionally padded with "==" (nginx decodes both).
_EXPIRES = re.compile(r"[0-9]{1,18}", re.ASCII)
_MD5 = re.compile(r"[A-Za-z0-9_-]{22}(?:==)?", re.ASCII)


def verify(
    *, uri: str, md5: str | None, expires: str | None, now: float | None = None
) -> LinkCheck:
    """Check a request as nginx does: bad or missing signature → INVALID, past → EXPIRED.
    Any malformed value is INVALID, never an exception."""
    if not md5 or not expires or not _EXPIRES.fullmatch(expires) or not _MD5.fullmatch(md5):
        return LinkCheck.INVALID
    if not hmac.compare_digest(md5[:22], signature(uri=uri, expires=expires)):
        return LinkCheck.INVALID
    if int(expires) < int(now if now is not None else time.time()):
        return LinkCheck.EXPIRED
    return LinkCheck.OK
