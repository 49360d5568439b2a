"""The chat WebSocket, ``/ws/live/<public id>/``, served by the ASGI process on the Redis
channel layer. It only adapts frames to ``live.chat``'s services.

Frames from the browser are JSON text: ``{"type": "message", "message": "…"}`` and, for
moderators, ``{"type": "delete", "id": N}``, ``{"type": "timeout", "user": ID, "seconds":
N}``, ``{"type": "ban", "user": ID}``, ``{"type": "unban", "user": ID}``. Everything the
server sends is JSON too: ``hello`` (on connect: what this viewer may do), ``message``,
``deleted``, ``viewers``, ``status`` and ``error`` (``code``, ``message``, maybe
``retry_after``). Hostile input — binary frames, oversized or malformed frames, floods — gets
an ``error`` or closes that one socket; nobody else is touched."""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import chat
from .selectors import stream_visible

MAX_FRAME = 4096  # characters; a 500-character message in JSON fits with room to spare
FLOOD_FRAMES = 20  # frames per FLOOD_SECONDS before the socket is closed
FLOOD_SECONDS = 5.0
CLOSE_NOT_FOUND = 4404
CLOSE_FLOOD = 4008


class ChatConsumer(AsyncWebsocketConsumer):
    stream: Any = None
    group = ""

    async def connect(self) -> None:
        public_id = self.scope["url_route"]["kwargs"]["public_id"]
        self.stream = await database_sync_to_async(stream_visible)(public_id)
        if self.stream is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.frames: deque[float] = deque(maxlen=FLOOD_FRAMES)
        self.group = chat.group_name(public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send(
            await database_sync_to_async(chat.hello)(stream=self.stream, user=self._user)
        )
        if self._user is not None:  # "… joined": a SYSTEM line for everyone, not stored
            joined = await database_sync_to_async(chat.joined)(user=self._user)
            await self.channel_layer.group_send(self.group, chat.frame(joined))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    @property
    def _user(self) -> Any:
        user = self.scope.get("user")
        return user if user is not None and user.is_authenticated else None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        now = time.monotonic()
        self.frames.append(now)
        if len(self.frames) == FLOOD_FRAMES and now - self.frames[0] < FLOOD_SECONDS:
            await self._error(chat.ChatError("flood", "Too many frames: disconnected."))
            await self.close(code=CLOSE_FLOOD)
            return
        if text_data is None:
            await self._error(chat.ChatError("invalid", "Send JSON text frames."))
            return
        if len(text_data) > MAX_FRAME:
            await self._error(
                chat.ChatError("too_large", f"A frame is at most {MAX_FRAME} characters.")
            )
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._error(
                chat.ChatError("invalid", 'Send {"type": "message", "message": "…"}.')
            )
            return
        try:
            await database_sync_to_async(chat.frame_handle)(
                stream_id=self.stream.pk, user=self._user, frame=frame
            )
        except chat.ChatError as err:
            await self._error(err)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Relaying a chat line touches no database: skip Channels' per-message hop to the one
        # sync thread (close_old_connections), which queued every delivery to every viewer
        # behind the chat's database work (bench/live.py: p95 2.7 s at 200 viewers, 0.3 CPU).
        if message["type"] == "chat.event":
            await self.chat_event(message)
            return
        await super().dispatch(message)

    async def chat_event(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])

    async def _error(self, err: chat.ChatError) -> None:
        body: dict[str, Any] = {"type": "error", "code": err.code, "message": err.message}
        if err.retry_after is not None:
            body["retry_after"] = err.retry_after
        await self._send(body)

    async def _send(self, body: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(body, separators=(",", ":")))
