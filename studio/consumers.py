"""The project's progress WebSocket, ``/ws/studio/projects/<id>/``, served by the ASGI
(``stream``) process: on connect the whole snapshot (``{"type": "snapshot", "tasks": {…}}``),
then every second what changed (``{"type": "changed", "tasks": [...]}``). A visitor who may
not read the project is closed with 4404, as a 404 would; the socket takes no frames.

The socket reads the jobs' rows itself (one indexed read a second while a board is open)
rather than waiting for the workers to announce changes: the workers then need nothing of the
sockets, and a change is seen within a second whichever process made it."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import close_old_connections

from .policy import projects_readable
from .progress import progress_changes, progress_snapshot

CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN = 1013
EVERY = 1.0  # seconds between reads
log = logging.getLogger(__name__)


def _readable(user: Any, pk: int) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and projects_readable(user).filter(pk=pk).exists()
    )


def _snapshot(project_id: int) -> dict[str, dict[str, Any]]:
    close_old_connections()
    return progress_snapshot(project_id=project_id)


class ProgressConsumer(AsyncWebsocketConsumer):
    watcher: asyncio.Task | None = None

    async def connect(self) -> None:
        self.project_id = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await database_sync_to_async(_readable)(self.scope.get("user"), self.project_id):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.accept()
        self.watcher = asyncio.create_task(self._watch())

    async def disconnect(self, code: int) -> None:
        if self.watcher is not None:
            self.watcher.cancel()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        return  # nothing to say to this socket

    async def _watch(self) -> None:
        try:
            await self._follow()
        except asyncio.CancelledError:
            raise
        except Exception:  # the database went away: the page falls back to polling
            log.exception("studio progress socket for project %s stopped", self.project_id)
            await self.close(code=CLOSE_TRY_AGAIN)

    async def _follow(self) -> None:
        seen = await database_sync_to_async(_snapshot)(self.project_id)
        await self._send({"type": "snapshot", "tasks": seen})
        while True:
            await asyncio.sleep(EVERY)
            now = await database_sync_to_async(_snapshot)(self.project_id)
            changed = progress_changes(seen, now)
            if changed:
                await self._send({"type": "changed", "tasks": changed})
            seen = now

    async def _send(self, body: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(body, separators=(",", ":"), default=str))
