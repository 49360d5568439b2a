"""Open JSON a client writes (a session's workflow state, a task's parameters, a prompt's
output schema): any JSON, but no NUL character and no lone surrogate in any key or text.
PostgreSQL's ``jsonb`` cannot store ``\\u0000`` (the write fails), so such a body is a 400
naming the field, and the OpenAPI schema says so (the ``JsonValue`` component)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

NO_NUL = "^[^\\x00]*$"
JSON_VALUE_REF = {"$ref": "#/components/schemas/JsonValue"}

# Any JSON value whose texts and keys hold no NUL (recursive: arrays and objects of itself).
JSON_VALUE_SCHEMA: dict[str, Any] = {
    "description": "Any JSON value; no text or key may contain a NUL character",
    "nullable": True,
    "anyOf": [
        {"type": "string", "pattern": NO_NUL},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "array", "items": JSON_VALUE_REF},
        {
            "type": "object",
            "additionalProperties": JSON_VALUE_REF,
            "propertyNames": {"pattern": NO_NUL},
        },
    ],
}


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800")
        return True
    return False


def json_refuse_unstorable(value: Any) -> None:
    """Raise a ValidationError when any key or text inside ``value`` cannot be stored."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts: list[str] = [item]
        elif isinstance(item, dict):
            texts = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            texts = []
            stack.extend(item)
        else:
            continue
        if any(_unstorable(text) for text in texts):
            raise serializers.ValidationError(
                "Text in this JSON must not contain a NUL character or a lone surrogate."
            )


class JSONObjectField(serializers.DictField):
    """A JSON object of any values, storable in PostgreSQL (see the module's docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": JSON_VALUE_REF,
            "propertyNames": {"pattern": NO_NUL},
        }
        if kwargs.get("allow_null"):
            schema["nullable"] = True
        extend_schema_field(schema)(self)

    def to_internal_value(self, data: Any) -> dict:
        value = super().to_internal_value(data)
        json_refuse_unstorable(value)
        return value


@extend_schema_field(JSON_VALUE_REF)
class JSONValueField(serializers.JSONField):
    """Any JSON value, storable in PostgreSQL (see the module's docstring)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        json_refuse_unstorable(value)
        return value
