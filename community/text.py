"""Comment text: plain text with one markup, ``>!spoiler!<``. Bodies are cleaned (control
characters out), refused when they hold HTML, and turned into segments so no frontend ever
renders user HTML. Nicknames and avatar seeds for people who have no name."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from django.core.exceptions import ValidationError

SPOILER = re.compile(r">!(.+?)!<", re.S)
HTML = re.compile(r"<[a-zA-Z!/?]")  # what a browser would start a tag or comment at
LINK = re.compile(r"https?://|www\.", re.I)
_ADJECTIVES = (
    "Shadow Silent Crimson Lucky Frozen Golden Hidden Wild Cosmic Quiet Brave Neon".split()
)
_NOUNS = "Reader Watcher Fox Owl Wolf Comet Ronin Pilot Ghost Raven Lotus Drifter".split()


def clean_text(text: str, *, keep_newlines: bool = True) -> str:
    """Control characters out (a newline and a tab stay in a body), ends trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = {"\n", "\t"} if keep_newlines else set()
    return "".join(c for c in text if c in kept or unicodedata.category(c) != "Cc").strip()


def body_clean(body: str, *, max_length: int) -> str:
    body = clean_text(body)
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > max_length:
        raise ValidationError({"body": f"At most {max_length} characters."})
    if HTML.search(body):
        raise ValidationError({"body": "Comments are plain text: HTML is not allowed."})
    return body


def segments(body: str) -> list[dict[str, object]]:
    """``"a >!b!< c"`` → ``[{"text": "a ", "spoiler": False}, {"text": "b", "spoiler": True},
    {"text": " c", "spoiler": False}]``."""
    parts: list[dict[str, object]] = []
    position = 0
    for match in SPOILER.finditer(body):
        if match.start() > position:
            parts.append({"text": body[position : match.start()], "spoiler": False})
        parts.append({"text": match.group(1), "spoiler": True})
        position = match.end()
    if position < len(body):
        parts.append({"text": body[position:], "spoiler": False})
    return parts


def link_count(body: str) -> int:
    return len(LINK.findall(body))


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
