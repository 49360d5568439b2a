"""What a studio service refuses with, as an error code, an HTTP status and a message in
words. The API turns these into the one JSON error shape; the admin shows the message."""

from __future__ import annotations

from typing import Any


class StudioError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(StudioError):
    """Bad input (400, with the fields)."""


class QuotaExceeded(StudioError):
    """Over the tier's limit (403 ``quota_exceeded``; the message says the limit)."""

    status = 403
    code = "quota_exceeded"


class Forbidden(StudioError):
    """The user may see this but not do that (403)."""

    status = 403
    code = "forbidden"


class NotFound(StudioError):
    """Does not exist — or the user may not see it (404, never telling which)."""

    status = 404
    code = "not_found"


class NotInProject(StudioError):
    """A well-formed body naming a row that is not the project's (a thumbnail, a dialogue
    line's character, a dependency): 409 ``not_in_project`` with the field. Not a 400 (the
    same body fits another project) and not a 404 (the URL's resource is there)."""

    status = 409
    code = "not_in_project"


class Conflict(StudioError):
    """Clashes with what exists (409): a taken number, a finished task."""

    status = 409
    code = "conflict"
