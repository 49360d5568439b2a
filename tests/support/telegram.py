"""A fake Telegram cloud at the ``invoke`` boundary: it answers with real Pyrogram objects
(``raw.types.upload.File``, ``types.Message``), raises real Pyrogram errors, and enforces
Telegram's offset/limit rules for ``upload.GetFile``."""

from __future__ import annotations

import itertools
import os

from pyrogram import errors, raw, types

MiB = 1024 * 1024
CHAT = -1001234567890
DC = 4


class FakeMediaSession:
    def __init__(self, cloud: FakeTelegram, dc_id: int) -> None:
        self.cloud = cloud
        self.dc_id = dc_id

    async def invoke(self, query, *, sleep_threshold: float = 10):
        assert isinstance(query, raw.functions.upload.GetFile)
        self.cloud.calls.append((self.dc_id, query.offset, query.limit, sleep_threshold))
        offset, limit = query.offset, query.limit
        # core.telegram.org/api/files: the rules a real DC enforces.
        if offset % 4096 or offset // MiB != (offset + limit - 1) // MiB:
            raise errors.OffsetInvalid()
        if limit % 4096 or MiB % limit:
            raise errors.LimitInvalid()
        if self.cloud.flood:
            raise errors.FloodWait(value=self.cloud.flood)
        doc = self.cloud.documents[query.location.id]
        if query.location.file_reference != doc["reference"]:
            raise errors.FileReferenceExpired()
        data = doc["data"][offset : offset + limit]
        return raw.types.upload.File(type=raw.types.storage.FilePartial(), mtime=0, bytes=data)


class FakeTelegram:
    """A storage channel on one DC, seen by one account."""

    def __init__(self) -> None:
        self.documents: dict[int, dict] = {}
        self.messages: dict[int, int] = {}  # message id → document id
        self.calls: list[tuple] = []
        self.sessions: list[tuple[int, bool]] = []
        self.fetches: list[tuple[int, int]] = []
        self.flood = 0
        self._ids = itertools.count(100)

    def _message(self, message_id: int) -> types.Message:
        doc = self.documents[self.messages[message_id]]
        raw_doc = raw.types.Document(
            id=doc["id"],
            access_hash=doc["access_hash"],
            file_reference=doc["reference"],
            date=0,
            mime_type="video/x-matroska",
            size=len(doc["data"]),
            dc_id=DC,
            attributes=[raw.types.DocumentAttributeFilename(file_name=doc["name"])],
        )
        return types.Message(
            id=message_id,
            chat=types.Chat(id=CHAT),
            document=types.Document._parse(None, raw_doc, doc["name"]),
        )

    def expire_reference(self, message_id: int) -> None:
        self.documents[self.messages[message_id]]["reference"] = os.urandom(8)

    # the client interface
    async def send_document(self, chat_id, document, *, file_name=None, **kw):
        data = document.read() if hasattr(document, "read") else open(document, "rb").read()
        doc_id = next(self._ids)
        self.documents[doc_id] = {
            "id": doc_id,
            "access_hash": -doc_id * 7,
            "reference": os.urandom(8),
            "data": data,
            "name": file_name,
        }
        message_id = next(self._ids)
        self.messages[message_id] = doc_id
        return self._message(message_id)

    async def get_messages(self, chat_id, message_ids):
        self.fetches.append((chat_id, message_ids))
        if message_ids not in self.messages:
            return types.Message(id=message_ids, empty=True)
        return self._message(message_ids)

    async def delete_messages(self, chat_id, message_ids):
        return 1 if self.messages.pop(message_ids, None) is not None else 0

    async def get_session(self, dc_id=None, is_media=False):
        self.sessions.append((dc_id, is_media))
        return FakeMediaSession(self, dc_id)
