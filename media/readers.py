"""The one thing media needs of a store: ranged reads. Any vault backend is one as it is (the
protocol is structural), so this library never imports the vault."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol


class Size(Protocol):
    size: int


class RangeReader(Protocol):
    name: str

    def open_range(self, ref: str, start: int, end: int) -> AsyncIterator[bytes]: ...

    async def stat(self, ref: str) -> Size: ...
