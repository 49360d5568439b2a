"""Parsing numbers out of outside input. ``str.isdigit`` accepts "²" and other scripts' digits,
which ``int`` then refuses (or reads as another number), and ``int`` refuses more than 4,300
digits: every number a request carries goes through ``ascii_int`` instead."""

from __future__ import annotations

import re

_INT = re.compile(r"-?[0-9]{1,18}", re.ASCII)


def ascii_int(value: object, *, allow_negative: bool = False) -> int | None:
    """The integer ``value`` spells in ASCII digits (at most 18), else None."""
    if not isinstance(value, str) or not _INT.fullmatch(value):
        return None
    if value.startswith("-") and not allow_negative:
        return None
    return int(value)
