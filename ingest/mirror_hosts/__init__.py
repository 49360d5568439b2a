"""Mirror host adapters, a registry like the vault's backends: each kind knows how to upload a
file to its host, check that a copy is still there, and delete it, within its own limits
(``max_bytes``). ``MIRROR_HOSTS`` lists the configured hosts, each with its ``kind``:

- ``http`` (the default) — ``GenericHttpMirror``: any host that takes a multipart POST and
  answers with the public URL in JSON;
- ``pixeldrain`` — ``PixeldrainMirror``: pixeldrain's file API (PUT, info, DELETE).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from ingest.mirror_hosts.base import MirrorError, MirrorHost, MirrorRefused
from ingest.mirror_hosts.http import GenericHttpMirror
from ingest.mirror_hosts.pixeldrain import PixeldrainMirror

KINDS: dict[str, type] = {"http": GenericHttpMirror, "pixeldrain": PixeldrainMirror}


def mirror_host(conf: dict[str, Any]) -> MirrorHost:
    """One configured host. ImproperlyConfigured: an unknown kind or a missing field."""
    kind = conf.get("kind", "http")
    cls = KINDS.get(kind)
    if cls is None:
        raise ImproperlyConfigured(
            f"MIRROR_HOSTS: {conf.get('name', '?')!r} has an unknown kind {kind!r}"
            f" (one of {', '.join(sorted(KINDS))})"
        )
    fields = cls.__dataclass_fields__
    try:
        return cls(**{k: v for k, v in conf.items() if k in fields})
    except TypeError as exc:
        raise ImproperlyConfigured(f"MIRROR_HOSTS: {conf.get('name', '?')!r}: {exc}") from exc


__all__ = [
    "KINDS",
    "GenericHttpMirror",
    "MirrorError",
    "MirrorHost",
    "MirrorRefused",
    "PixeldrainMirror",
    "mirror_host",
]
