"""The API's JSON parser, refusing a body nested deeper than ``MAX_DEPTH`` before decoding it:
Python's decoder recurses once per level, so 100,000 ``[`` would end in a ``RecursionError``
(a 500) instead of the 400 a bad body gets. No payload of ours nests past a few levels."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth_ok(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether no array or object in ``raw`` nests deeper than ``limit`` (strings, which may
    hold brackets, are skipped). Linear, in C: two regular expressions."""
    depth = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None):
        raw = stream.read() if stream is not None else b""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and len(raw) > limit:
            raise ParseError("The JSON body is too large.")
        if not json_depth_ok(raw):
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels is refused.")
        return super().parse(_Replay(raw), media_type, parser_context)


class _Replay:
    """The body again, for the stock parser (it reads a stream)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def read(self, *args: Any) -> bytes:
        raw, self.raw = self.raw, b""
        return raw
