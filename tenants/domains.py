"""Host names as browsers send them, reduced to the one form a tenant is stored under:
lower-case, no port, no trailing dot, IDNA (``bücher.example`` → ``xn--bcher-kva.example``)."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def domain_normalize(host: str) -> str | None:
    """The stored form of ``host`` (a Host header or a domain an operator typed), or None when
    it is not a domain name (an IP literal, garbage, too long)."""
    host = (host or "").strip()
    if not host or host.startswith("["):  # an IPv6 literal is no tenant's domain
        return None
    if host.count(":") == 1:
        host, _, port = host.partition(":")
        if not port.isdigit():
            return None
    elif ":" in host:
        return None
    host = host.rstrip(".").lower()
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        return None
    if all(label.isdigit() for label in labels):
        return None  # an IPv4 address
    return ascii_host
