"""The one exception accounts services raise for a refused request: a stable ``code`` the
frontend can switch on, a human message, and the HTTP status the API answers with."""

from __future__ import annotations


class AccountsError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        retry_after: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.fields = fields


def wrong_title_kind(message: str) -> AccountsError:
    """A well-formed request that does not fit this title (video progress for a manga, no
    episode for a series, a duration nobody knows): a conflict with the title, 409."""
    return AccountsError("wrong_title_kind", message, status=409)
