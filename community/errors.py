"""The one exception community services raise for a refused request: a stable ``code``, a
human message and the HTTP status the API answers with."""

from __future__ import annotations


class CommunityError(Exception):
    def __init__(self, code: str, message: str, *, status: int = 400, field: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.field = code, message, status, field
