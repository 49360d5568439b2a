"""Comment text: plain text with one markup, ``>!spoiler!<``. Bodies are cleaned (control
characters out), refused when they hold HTML, and turned into segments so no frontend ever
renders user HTML (the cleaning and the nicknames are ``core.text``'s)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from core.text import HTML, avatar_seed, clean_text, nickname

__all__ = ["HTML", "avatar_seed", "body_clean", "clean_text", "link_count", "nickname", "segments"]

SPOILER = re.compile(r">!(.+?)!<", re.S)
LINK = re.compile(r"https?://|www\.", re.I)


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
