"""What every provider client shares: the httpx client (base URL, timeouts; the key only in a
header) and one reading of failures, so a generator knows what to do with each:

- 402, or a body saying the balance, credits or quota ran out → ``ProviderBalanceError``;
- 401/403 otherwise → ``ProviderAuthError`` (the key is wrong: no retry helps);
- a body naming a content policy → ``ContentRefused`` (the content filter refused this asset);
- 400/422 → ``ProviderInputError`` (the request itself: fix it, do not retry);
- 429 → ``Requeue`` after its ``Retry-After`` (the attempt is not counted);
- 5xx, timeouts, refused connections → ``TransientError`` (the engine retries with backoff).
"""

from __future__ import annotations

from typing import Any

import httpx

from jobs.engine import PermanentError, Requeue, TransientError

BALANCE_WORDS = ("insufficient", "balance", "credit", "quota_exceeded", "payment")


class ProviderError(PermanentError):
    """A provider refused the request for good; the message says why, in its words."""


class ProviderAuthError(ProviderError):
    """The key is missing, wrong or revoked."""


class ProviderBalanceError(ProviderError):
    """The provider account's balance, credits or quota ran out."""


class ProviderInputError(ProviderError):
    """The request itself was refused (a bad model, a missing field)."""


class ContentRefused(ProviderError):
    """The provider's content filter refused this asset."""


def client(*, base_url: str, headers: dict[str, str], timeout: float) -> httpx.Client:
    if not base_url:
        raise ProviderError("the provider's base URL is not set (docs/configuration.md)")
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/",
        headers=headers,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
    )


def _message(response: httpx.Response) -> str:
    """The provider's own words: OpenRouter's ``error.message``, ElevenLabs' ``detail``
    (``{status, message}`` or FastAPI's list), fal's ``detail``."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:300]
    error = body.get("error", body.get("detail", body)) if isinstance(body, dict) else body
    if isinstance(error, dict):
        error = " ".join(str(error[k]) for k in ("status", "message") if error.get(k)) or error
    if isinstance(error, list) and error and isinstance(error[0], dict):
        error = error[0].get("msg", error[0])
    return str(error)[:300]


def retry_after(response: httpx.Response, default: float = 30.0) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(1.0, float(value))
    except ValueError:
        return default


def request(
    http: httpx.Client, method: str, url: str, *, provider: str, **kw: Any
) -> httpx.Response:
    """Send; return a 2xx response or raise what the failure means (see the module)."""
    try:
        response = http.request(method, url, **kw)
    except httpx.TimeoutException as exc:
        raise TransientError(f"{provider} timed out") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"{provider} unreachable: {type(exc).__name__}") from exc
    if response.is_success:
        return response
    raise_for(response, provider=provider)
    return response  # pragma: no cover — raise_for always raises


def raise_for(response: httpx.Response, *, provider: str) -> None:
    """Raise what a non-2xx answer means (see the module)."""
    status, words = response.status_code, _message(response)
    what = f"{provider} answered {status}: {words}"
    if status == 429:
        raise Requeue(what, countdown=retry_after(response))
    if "content_policy" in response.text.lower():  # fal's content_policy_violation (a 422)
        raise ContentRefused(f"{what} (the provider's content filter)")
    # ElevenLabs says "quota_exceeded" with a 401: the balance is read before the key.
    if status == 402 or any(w in words.lower() for w in BALANCE_WORDS):
        raise ProviderBalanceError(f"{what} (top up the provider account)")
    if status in (401, 403):
        raise ProviderAuthError(f"{what} (check the key)")
    if status >= 500:
        raise TransientError(what)
    raise ProviderInputError(what)
