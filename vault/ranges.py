"""HTTP ``Range: bytes=…`` for one range (RFC 9110 §14), read exactly as nginx reads it in front
of us, so both doors answer a request the same way (docs/vault.md, "Range requests"):

- no header, another unit, a malformed value or several ranges → the whole file (200; a server
  may ignore Range, and players only ever ask for one);
- ``bytes=a-b`` with ``b < a``, ``bytes=-``, ``bytes=-0``, or a start past the end → 416 with
  ``Content-Range: bytes */size``;
- otherwise one range (206), its end clipped to the file."""

from __future__ import annotations

import re
from dataclasses import dataclass

# ASCII digits only (``\d`` would take other scripts' digits), at most 20 of them (larger than
# any file): a longer number is malformed, and the whole file is served.
_SPEC = re.compile(r"^[ \t]*([0-9]{0,20})[ \t]*-[ \t]*([0-9]{0,20})[ \t]*$", re.ASCII)


class Unsatisfiable(Exception):
    """Answer 416 with ``Content-Range: bytes */size``."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """None → serve the whole file (no header, a malformed one, or several ranges)."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec or "," in spec:
        return None
    match = _SPEC.match(spec)
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        raise Unsatisfiable  # "bytes=-": nginx's 416 too
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - n, 0), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        raise Unsatisfiable  # as nginx answers it (RFC 9110 would ignore the header)
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(end, size - 1))
