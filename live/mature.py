"""The mature gate: a stream marked ``is_mature`` by its creator plays only after the visitor
says they are an adult, and a visitor may keep mature streams out of their feeds.

The choice is the visitor's, remembered in their browser (a cookie, a year): ``show`` (an
adult: mature streams play and are listed) or ``hide`` (mature streams are left out of the
feeds and stay behind the gate). With no choice yet, mature streams are listed with their
18+ mark and gated. API clients pass ``mature=show|hide`` on the feeds instead.
"""

from __future__ import annotations

from typing import Any

COOKIE = "sv_mature"
CHOICES = ("show", "hide")
MAX_AGE = 365 * 24 * 3600


def choice_of(request: Any) -> str:
    """The visitor's choice ("show", "hide") or "" when they have not made one."""
    value = request.COOKIES.get(COOKIE, "")
    return value if value in CHOICES else ""


def hides(request: Any) -> bool:
    """Whether the visitor chose to keep mature streams out of their lists."""
    return choice_of(request) == "hide"


def choice_remember(response: Any, *, choice: str) -> None:
    response.set_cookie(COOKIE, choice, max_age=MAX_AGE, samesite="Lax", httponly=True)


def gated(*, stream: Any, choice: str) -> bool:
    """Whether the player stays behind the age confirmation for this visitor."""
    return bool(stream.is_mature) and choice != "show"
