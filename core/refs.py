"""Tagged vault refs — ``<backend>:<ref>`` — for fields with no backend column (subtitle
WebVTT, posters, backdrops). Parsing them needs no vault, so the catalog (below the vault)
can read them too; ``vault.registry`` resolves them to a backend."""

from __future__ import annotations

import re

LEGACY_LOCAL_RE = re.compile(r"^[0-9a-f]{64}$")
TAG_RE = re.compile(r"^([a-z][a-z0-9_]{0,19}):(.+)$")


def split_tagged(tagged: str) -> tuple[str, str] | None:
    """(backend, ref) of a tagged ref; an untagged 64-hex ref (written before tags) is a
    ``local`` object; None for anything else."""
    if LEGACY_LOCAL_RE.match(tagged or ""):
        return "local", tagged
    match = TAG_RE.match(tagged or "")
    return (match.group(1), match.group(2)) if match else None
