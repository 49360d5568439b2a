"""OpenRouter chat completions with structured output, for the studio's writing (scripts,
dialogue, scene breakdowns, session replies).

The request asks for ``response_format: json_schema`` (strict) with the prompt template's
output schema; the reply is parsed and checked against it. A reply cut off by the token limit
(``finish_reason: length``) is asked again once with twice the tokens; a reply that is not JSON
or does not match gets one repair turn (the model is told what was wrong); after that the
execution records the error. Tokens and cost (OpenRouter's ``usage``) are summed over the
turns and recorded on the execution."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator

from jobs.engine import JobContext

from ..generators import Output
from ..models import Task
from ..services.prompts import Call, CallResult
from ..writing import script_write
from .http import ContentRefused, ProviderError, client, request

NAME = "OpenRouter"


def _http():
    if not settings.OPENROUTER_API_KEY:
        raise ProviderError("OPENROUTER_API_KEY is not set (docs/configuration.md)")
    return client(
        base_url=settings.OPENROUTER_BASE_URL,
        headers={
            "Authorization": f"Bearer {settings.OPENROUTER_API_KEY}",
            "X-Title": "StreamVault Studio",
        },
        timeout=settings.OPENROUTER_TIMEOUT,
    )


def _problem(schema: dict | None, text: str) -> tuple[Any, str]:
    try:
        output = json.loads(text)
    except ValueError as exc:
        return None, f"the reply is not JSON ({exc})"
    if schema is not None:
        error = next(iter(Draft202012Validator(schema).iter_errors(output)), None)
        if error is not None:
            path = "/".join(str(p) for p in error.absolute_path) or "(root)"
            return output, f"at {path}: {error.message}"
    return output, ""


def model_of(model: str) -> str:
    """The template's model, unless it names the local writer (then the default model)."""
    return settings.OPENROUTER_DEFAULT_MODEL if model.startswith("local") else model


def chat_json(model: str, prompt: str, schema: dict | None) -> CallResult:
    """One structured completion (with at most one longer retry and one repair turn)."""
    messages: list[dict[str, str]] = [{"role": "user", "content": prompt}]
    max_tokens = settings.OPENROUTER_MAX_TOKENS
    fmt: dict[str, Any] = {"type": "json_object"}
    if schema is not None:
        fmt = {
            "type": "json_schema",
            "json_schema": {"name": "output", "strict": True, "schema": schema},
        }
    tokens_in = tokens_out = 0
    cost = Decimal(0)
    longer = repaired = False
    output: Any = None
    with _http() as http:
        while True:
            body = {
                "model": model_of(model),
                "messages": messages,
                "response_format": fmt,
                "max_tokens": max_tokens,
                "usage": {"include": True},
            }
            reply = request(http, "POST", "chat/completions", provider=NAME, json=body).json()
            usage = reply.get("usage") or {}
            tokens_in += int(usage.get("prompt_tokens") or 0)
            tokens_out += int(usage.get("completion_tokens") or 0)
            cost += Decimal(str(usage.get("cost") or 0))
            choice = (reply.get("choices") or [{}])[0]
            finish = choice.get("finish_reason")
            text = (choice.get("message") or {}).get("content") or ""
            if finish == "content_filter":
                raise ContentRefused(f"{NAME} refused the prompt (content filter)")
            if finish == "length" and not longer:
                longer, max_tokens = True, max_tokens * 2
                continue
            output, problem = _problem(schema, text)
            if problem and not repaired:
                repaired = True
                messages += [
                    {"role": "assistant", "content": text},
                    {
                        "role": "user",
                        "content": f"That reply does not match the output schema: {problem}. "
                        "Answer again with the JSON only.",
                    },
                ]
                continue
            break
    return CallResult(output=output, tokens_in=tokens_in, tokens_out=tokens_out, cost=cost)


def script(ctx: JobContext, task: Task) -> Output:
    """The ``script_generation`` generator through OpenRouter."""

    def call_for(inputs: dict[str, Any]) -> Call:
        return chat_json

    return script_write(ctx, task, call_for=call_for)
