"""Rules across the fields of a request body ("either this or that", "both or neither") that a
serializer's ``validate`` enforces and OpenAPI can state: a serializer declares its rule with
``@schema_rule``, and the schema's post-processing (``streamvault.openapi``) adds it to the
serializer's component, so the schema accepts exactly what the server accepts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T", bound=type)

# component name (the serializer's class name without "Serializer") → its rules (JSON schemas
# the body must also match)
RULES: dict[str, list[dict[str, Any]]] = {}


def schema_rule(*rules: dict[str, Any]) -> Callable[[T], T]:
    def register(cls: T) -> T:
        RULES[cls.__name__.removesuffix("Serializer")] = list(rules)
        return cls

    return register


def exactly_one_of(*fields: str) -> dict[str, Any]:
    """One of ``fields`` is present, never two."""
    return {"oneOf": [{"required": [f]} for f in fields]}


def together(*fields: str) -> dict[str, Any]:
    """All of ``fields`` are present, or none of them."""
    return {
        "anyOf": [
            {"required": list(fields)},
            {"not": {"anyOf": [{"required": [f]} for f in fields]}},
        ]
    }


def not_both(first: str, second: str) -> dict[str, Any]:
    return {"not": {"required": [first, second]}}


def any_of(*groups: tuple[str, ...]) -> dict[str, Any]:
    """At least one group of fields is present in full."""
    return {"anyOf": [{"required": list(group)} for group in groups]}
