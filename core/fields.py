"""Request fields that take exactly the JSON types the schema names: DRF's own fields turn
``0`` into ``"0"`` and ``"5"`` into ``5``, so a body the schema calls invalid was accepted.
Request serializers use these; response serializers need not."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def _string(field: serializers.Field, data: Any) -> None:
    if not isinstance(data, str):
        field.fail("invalid")


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        _string(self, data)
        return super().to_internal_value(data)


# Some text: a character that is neither white space nor a control character (what is left
# after ``community.text.clean_text`` and ``str.strip``), and no NUL anywhere (DRF refuses it).
NON_BLANK = r"^[^\x00]*[^\s\x00-\x1f\x7f-\x9f][^\x00]*$"


class PlainTextField(StrictCharField):
    """Free text a person writes (a comment, a reason): the schema says it must hold some
    text, and, with ``refuse``, that it must not match that pattern (HTML)."""

    def __init__(
        self, *, max_length: int, refuse: str = "", blank: bool = False, **kwargs: Any
    ) -> None:
        """``blank``: an empty text is fine too (a description)."""
        if blank:
            kwargs.setdefault("allow_blank", True)
        super().__init__(max_length=max_length, trim_whitespace=False, **kwargs)
        self.refuse = re.compile(refuse) if refuse else None
        pattern = r"^[^\x00]*$" if blank else NON_BLANK
        schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": pattern}
        if refuse:
            schema["not"] = {"pattern": refuse}
        extend_schema_field(schema)(self)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if self.refuse is not None and self.refuse.search(value):
            raise serializers.ValidationError("Plain text only: HTML is not allowed.")
        return value


class StrictRegexField(serializers.RegexField):
    def to_internal_value(self, data: Any) -> str:
        _string(self, data)
        return super().to_internal_value(data)


class StrictURLField(serializers.URLField):
    def to_internal_value(self, data: Any) -> str:
        _string(self, data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer (``5`` or ``5.0``); not ``"5"``, not ``true``."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false``; not ``"true"``, not ``1``."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


CHAPTER_MAX = Decimal("99999.99")
CHAPTER_TEXT = re.compile(r"^\d{1,5}(\.\d{1,2})?$")


@extend_schema_field(
    {
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": float(CHAPTER_MAX)},
            {"type": "string", "pattern": CHAPTER_TEXT.pattern},
        ],
        "description": 'A chapter number: 12, 12.5 or "12.5" (kept to 2 decimals)',
    }
)
class ChapterNumberField(serializers.Field):
    """A chapter number as the title document gives it (``chap``: a JSON number) or as text.
    A number is rounded to 2 decimals (12.499 is chapter 12.50)."""

    default_error_messages = {"invalid": "A chapter number from 0 to 99999.99 is required."}

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, str) and CHAPTER_TEXT.match(data):
            return Decimal(data)
        if isinstance(data, int | float) and not isinstance(data, bool):
            number = Decimal(repr(data))
            if 0 <= number <= CHAPTER_MAX:
                return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        self.fail("invalid")
        raise AssertionError  # fail() raises

    def to_representation(self, value: Decimal) -> str:
        return str(value)
