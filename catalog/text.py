"""Small text helpers shared by the catalog: clean titles, short ids, human sizes."""

from __future__ import annotations

import re
import secrets
import string
import unicodedata

BASE62 = string.digits + string.ascii_letters
_NON_WORD = re.compile(r"[^a-z0-9]+")


def clean_title(text: str) -> str:
    """Lowercase, accents stripped, symbols replaced by single spaces: "Pokémon: The Movie!" →
    "pokemon the movie"."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", ascii_text.lower()).strip()


def new_short_id(length: int = 7) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def size_human(size_bytes: int) -> str:
    """1-decimal size in decimal units as in the documents ("14.2 GB")."""
    size = float(size_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")
