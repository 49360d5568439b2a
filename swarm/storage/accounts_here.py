"""The process's ``telegram`` vault backend: one ``TelegramBackend`` per account the runtime
holds here, reached from any event loop.

The runtime (``swarm.telegram.runtime``) adds an account when it starts that account's client
and registers this object with ``vault.register`` — ingest accounts in the ``telegram``
Celery worker, stream accounts in the ASGI server (docs/design.md). A client lives on the runtime's
loop, so every call is run there (``run_coroutine_threadsafe``) and awaited from the caller's
loop (uvicorn's, or ``async_to_sync``'s); a read is bridged chunk by chunk.

Which account: each call takes the next account of the process in turn, skipping accounts
parked by a flood wait. Streams do not take a rotation lease per range request (a lease costs
two UPDATEs and players fire many small ranges); a ``FloodWait`` parks the account here and in
the rotation (``worker_flood_wait``) and the call moves to the next account, a read resuming
at the byte it had reached. A location is bound to the account that saw it: each account's
``TelegramBackend`` resolves and refreshes its own (``FILE_REFERENCE_*`` → re-fetch, stored by
``store_refreshed_location``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import vault
from swarm.models import WorkerRole
from swarm.storage.account import TelegramBackend, store_refreshed_location
from swarm.workers import worker_flood_wait
from vault import BackendUnavailable, FileStat, FloodWaitError, StoredFile

log = logging.getLogger(__name__)
T = TypeVar("T")


class RuntimeTelegramBackend:
    name = "telegram"

    def __init__(self, loop: asyncio.AbstractEventLoop, *, role: str) -> None:
        self.loop = loop
        self.role = role
        self.accounts: dict[int, TelegramBackend] = {}
        self._parked: dict[int, float] = {}  # worker id → monotonic time its wait ends
        self._turn = itertools.count()

    # --- accounts (called by the runtime) --------------------------------------------------------

    def account_add(self, worker_id: int, client: Any, *, chat_id: int) -> None:
        self.accounts[worker_id] = TelegramBackend(
            client, chat_id=chat_id, on_refresh=store_refreshed_location
        )

    def account_remove(self, worker_id: int) -> None:
        self.accounts.pop(worker_id, None)
        self._parked.pop(worker_id, None)

    def _pick(self, tried: set[int]) -> tuple[int, TelegramBackend]:
        now = time.monotonic()
        ids = sorted(i for i in self.accounts if i not in tried)
        free = [i for i in ids if self._parked.get(i, 0) <= now]
        if not ids:
            raise BackendUnavailable(f"no {self.role} Telegram account is running in this process")
        if not free:
            wait = min(self._parked[i] for i in ids) - now
            raise FloodWaitError(max(1, int(wait + 0.999)))
        worker_id = free[next(self._turn) % len(free)]
        return worker_id, self.accounts[worker_id]

    async def _park(self, worker_id: int, seconds: int) -> None:
        from asgiref.sync import sync_to_async

        self._parked[worker_id] = time.monotonic() + seconds
        try:
            await sync_to_async(worker_flood_wait)(worker_id=worker_id, seconds=seconds)
        except Exception:
            log.exception("could not record the flood wait of worker %s", worker_id)

    async def _there(self, coro: Awaitable[T]) -> T:
        """Run ``coro`` on the runtime's loop; await it from this one."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]
        return await asyncio.wrap_future(future)

    async def _call(self, call: Any) -> Any:
        """``call(backend)`` on the next free account; a flood wait moves it to the next."""
        tried: set[int] = set()
        while True:
            worker_id, backend = self._pick(tried)
            try:
                return await self._there(call(backend))
            except FloodWaitError as exc:
                await self._park(worker_id, exc.seconds)
                tried.add(worker_id)

    # --- the storage protocol --------------------------------------------------------------------

    def remember(self, ref: str, tg_raw: dict[str, Any]) -> None:
        for backend in list(self.accounts.values()):
            backend.remember(ref, tg_raw)

    async def put(self, source: Any, *, file_name: str = "") -> StoredFile:
        if self.role != WorkerRole.INGEST:  # stream accounts only read: ingest accounts upload
            return await vault.configured_backend(self.name).put(source, file_name=file_name)
        return await self._call(lambda b: b.put(source, file_name=file_name))

    async def stat(self, ref: str) -> FileStat:
        return await self._call(lambda b: b.stat(ref))

    async def delete(self, ref: str) -> bool:
        if self.role != WorkerRole.INGEST:
            return await vault.configured_backend(self.name).delete(ref)
        return await self._call(lambda b: b.delete(ref))

    async def open_range(self, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
        tried: set[int] = set()
        while start < end:
            worker_id, backend = self._pick(tried)
            reader = backend.open_range(ref, start, end)
            try:
                while True:
                    more, chunk = await self._there(_next(reader))
                    if not more:
                        return
                    start += len(chunk)
                    yield chunk
            except FloodWaitError as exc:
                await self._park(worker_id, exc.seconds)
                tried.add(worker_id)
            finally:
                await self._there(reader.aclose())


async def _next(reader: AsyncIterator[bytes]) -> tuple[bool, bytes]:
    try:
        return True, await reader.__anext__()
    except StopAsyncIteration:
        return False, b""
