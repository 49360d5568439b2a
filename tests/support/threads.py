"""Run ORM and vault work in another thread: the browser tests' own thread runs Playwright's
event loop, where the vault's ``async_to_sync`` cannot run."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def in_other_thread(fn: Callable[[], T]) -> T:
    def run() -> T:
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()
