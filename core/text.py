"""Text people write (comments, chat lines, names): control characters out, HTML refused, and
a stable generated nickname for people who have no name. Shared by community and live."""

from __future__ import annotations

import hashlib
import re
import unicodedata

HTML = re.compile(r"<[a-zA-Z!/?]")  # what a browser would start a tag or comment at
_ADJECTIVES = (
    "Shadow Silent Crimson Lucky Frozen Golden Hidden Wild Cosmic Quiet Brave Neon".split()
)
_NOUNS = "Reader Watcher Fox Owl Wolf Comet Ronin Pilot Ghost Raven Lotus Drifter".split()


# Bidirectional controls (the Unicode "Bidi_Control" set): an override such as U+202E turns
# what follows backwards, so a line can pass for another name or link ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def clean_text(text: str, *, keep_newlines: bool = True) -> str:
    """Control characters and bidirectional controls out (a newline and a tab stay in a
    body), ends trimmed. Joiners and other format characters emoji need stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = {"\n", "\t"} if keep_newlines else set()
    return "".join(
        c for c in text if c in kept or (unicodedata.category(c) != "Cc" and c not in BIDI_CONTROLS)
    ).strip()


def avatar_seed(user_id: int) -> str:
    """A deterministic seed for a DiceBear-style avatar (nothing is rendered here)."""
    return hashlib.sha256(f"avatar:{user_id}".encode()).hexdigest()[:8]


def generated_nickname(user_id: int) -> str:
    """``ShadowReader_42``: the same for the same user, every time."""
    digest = hashlib.sha256(f"nick:{user_id}".encode()).digest()
    adjective = _ADJECTIVES[digest[0] % len(_ADJECTIVES)]
    noun = _NOUNS[digest[1] % len(_NOUNS)]
    return f"{adjective}{noun}_{digest[2] % 100:02d}"


def nickname(*, user_id: int, first_name: str) -> str:
    name = clean_text(first_name, keep_newlines=False)
    if not name or HTML.search(name):
        return generated_nickname(user_id)
    return name[:40]
