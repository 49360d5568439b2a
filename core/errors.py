"""The one JSON error shape every API answer uses (``streamvault.errors`` turns exceptions into it):

{"error": {"code": "not_found", "message": "…", "fields": {"year": ["…"]}}}
"""

from __future__ import annotations

from typing import Any


def error_body(*, code: str, message: str, fields: dict[str, Any] | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}
