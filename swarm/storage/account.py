"""The Telegram backend: files live as documents in a storage channel.

Reads use raw ``upload.GetFile`` with byte offsets on the account's cached media session for
the file's DC (Pyrogram's ``stream_media`` only counts whole 1 MiB chunks). Telegram's rules
for ``offset``/``limit`` (core.telegram.org/api/files): both divisible by 4096, 1 MiB
divisible by ``limit``, and one request never crosses a 1 MiB boundary. We always ask for
``limit = 1 MiB`` at 1 MiB-aligned offsets, which satisfies all of them, and trim the first
and the last chunk to the requested byte range.

A location (media id, access hash, file reference) is bound to the account that saw it, so each
backend instance (one per account) resolves its own from ``(chat_id, message_id)`` — the ref —
and caches it. On ``FILE_REFERENCE_EXPIRED`` it re-fetches the message, keeps the fresh
reference (and hands it to ``on_refresh`` so it can be stored) and retries once.

The client is anything with the four coroutine methods of ``TelegramClient`` below; a real
``pyrogram.Client`` (kurigram) is one as it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from pyrogram import errors, raw
from pyrogram.file_id import FileId

from catalog import services
from catalog.models import MediaFile
from vault.base import (
    CHUNK,
    FileStat,
    FloodWaitError,
    NotFound,
    Source,
    StoredFile,
    TooLarge,
    VaultError,
)

REF_RE = re.compile(r"^(-?\d+):(\d+)$")
# Every media kind a storage message may carry, in the order we look for one.
MEDIA_ATTRS = ("document", "video", "audio", "animation", "voice", "video_note", "photo")


class MediaSession(Protocol):
    async def invoke(self, query: Any, *, sleep_threshold: float = ...) -> Any: ...


class TelegramClient(Protocol):
    """The slice of ``pyrogram.Client`` the backend uses (the swarm's fake gateway mirrors it)."""

    async def send_document(
        self, chat_id: int | str, document: Any, *, file_name: str | None = ..., **kw: Any
    ) -> Any: ...

    async def get_messages(self, chat_id: int | str, message_ids: int) -> Any: ...

    async def delete_messages(self, chat_id: int | str, message_ids: int) -> int: ...

    async def get_session(self, dc_id: int | None = ..., is_media: bool = ...) -> MediaSession: ...


RefreshHook = Callable[[str, dict[str, Any]], Awaitable[None]]


GONE_KEPT = 4096  # deleted messages remembered per backend


def make_ref(chat_id: int, message_id: int) -> str:
    return f"{chat_id}:{message_id}"


def parse_ref(ref: str) -> tuple[int, int]:
    match = REF_RE.match(ref or "")
    if not match:
        raise NotFound(f"not a telegram vault ref: {ref!r}")
    return int(match.group(1)), int(match.group(2))


def tg_raw_from_message(message: Any) -> dict[str, Any]:
    """The stored location of the file a message carries (docs/design.md: data model ``tg_raw``)."""
    media = next((getattr(message, a) for a in MEDIA_ATTRS if getattr(message, a, None)), None)
    if media is None:
        raise NotFound(f"message {getattr(message, 'id', '?')} carries no file")
    if isinstance(media, list):  # photo sizes
        media = media[-1]
    file_id = FileId.decode(media.file_id)
    return {
        "chat_id": message.chat.id,
        "message_id": message.id,
        "media_id": file_id.media_id,
        "access_hash": file_id.access_hash,
        "file_reference": file_id.file_reference.hex(),
        "dc_id": file_id.dc_id,
        "size": getattr(media, "file_size", None) or 0,
    }


def input_location(tg_raw: dict[str, Any]) -> raw.types.InputDocumentFileLocation:
    return raw.types.InputDocumentFileLocation(
        id=int(tg_raw["media_id"]),
        access_hash=int(tg_raw["access_hash"]),
        file_reference=bytes.fromhex(tg_raw["file_reference"]),
        thumb_size="",
    )


def _size_of(source: Source) -> int:
    if isinstance(source, str | Path):
        return Path(source).stat().st_size
    here = source.tell()
    source.seek(0, 2)
    size = source.tell() - here
    source.seek(here)
    return size


def _sha256_of(source: Source) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    if isinstance(source, str | Path):
        with open(source, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size
    start = source.tell()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    source.seek(start)
    return digest.hexdigest(), size


async def store_refreshed_location(ref: str, tg_raw: dict[str, Any]) -> None:
    """An ``on_refresh`` hook: keep the fresh location on the MediaFile rows of ``ref``."""
    from asgiref.sync import sync_to_async

    def store() -> None:
        for media_file in MediaFile.objects.filter(backend="telegram", ref=ref):
            services.media_file_location_set(media_file=media_file, tg_raw=tg_raw)

    await sync_to_async(store)()


class TelegramBackend:
    name = "telegram"

    def __init__(
        self,
        client: TelegramClient,
        *,
        chat_id: int,
        on_refresh: RefreshHook | None = None,
        sleep_threshold: float = 0,
    ) -> None:
        self.client = client
        self.chat_id = chat_id
        self.on_refresh = on_refresh
        # 0: every FloodWait surfaces as FloodWaitError, so the swarm (not this coroutine)
        # decides whether to wait or move the work to another account.
        self.sleep_threshold = sleep_threshold
        self._locations: dict[str, dict[str, Any]] = {}
        # Messages found deleted: a location stored in a row no longer stands in for them.
        self._gone: dict[str, None] = {}
        self._lock = asyncio.Lock()

    def remember(self, ref: str, tg_raw: dict[str, Any]) -> None:
        """Seed the location cache from a stored ``tg_raw`` (saves one get_messages). A
        location this account already resolved wins over the stored one, and a message found
        deleted is not brought back by it."""
        parse_ref(ref)
        if ref not in self._gone:
            self._locations.setdefault(ref, dict(tg_raw))

    # --- writing ---------------------------------------------------------------------------

    async def put(self, source: Source, *, file_name: str = "") -> StoredFile:
        size = _size_of(source)
        if size > settings.TELEGRAM_MAX_FILE_BYTES:
            raise TooLarge(
                f"{size} bytes is over the {settings.TELEGRAM_MAX_FILE_BYTES} bytes an account "
                "may upload to Telegram (TELEGRAM_MAX_FILE_BYTES)"
            )
        if size == 0:
            raise VaultError("Telegram stores no empty file")
        sha256, size = await asyncio.to_thread(_sha256_of, source)
        if not file_name and isinstance(source, str | Path):
            file_name = Path(source).name
        try:
            message = await self.client.send_document(
                self.chat_id,
                str(source) if isinstance(source, Path) else source,
                file_name=file_name or sha256,
                force_document=True,
            )
        except errors.FloodWait as exc:
            raise FloodWaitError(int(exc.value or 0)) from exc
        if message is None:
            raise VaultError("Telegram returned no message for the upload")
        tg_raw = tg_raw_from_message(message)
        if tg_raw["size"] and tg_raw["size"] != size:
            raise VaultError(f"uploaded {size} bytes but Telegram stored {tg_raw['size']}")
        tg_raw["size"] = size
        ref = make_ref(tg_raw["chat_id"], tg_raw["message_id"])
        self._locations[ref] = tg_raw
        return StoredFile(backend=self.name, ref=ref, size=size, sha256=sha256, tg_raw=tg_raw)

    # --- locations ---------------------------------------------------------------------------

    async def _fetch(self, ref: str) -> dict[str, Any]:
        chat_id, message_id = parse_ref(ref)
        try:
            message = await self.client.get_messages(chat_id, message_id)
        except errors.FloodWait as exc:
            raise FloodWaitError(int(exc.value or 0)) from exc
        if message is None or getattr(message, "empty", False):
            # Forgotten too: a later stat() must not answer from the stale location.
            self._locations.pop(ref, None)
            self._gone[ref] = None
            while len(self._gone) > GONE_KEPT:
                self._gone.pop(next(iter(self._gone)))
            raise NotFound(f"message {ref} is gone")
        self._gone.pop(ref, None)
        tg_raw = tg_raw_from_message(message)
        self._locations[ref] = tg_raw
        return tg_raw

    async def location(self, ref: str) -> dict[str, Any]:
        cached = self._locations.get(ref)
        if cached is not None:
            return cached
        return await self._fetch(ref)

    async def _refresh(self, ref: str) -> dict[str, Any]:
        tg_raw = await self._fetch(ref)
        if self.on_refresh is not None:
            await self.on_refresh(ref, tg_raw)
        return tg_raw

    # --- reading ---------------------------------------------------------------------------

    async def open_range(self, ref: str, start: int, end: int) -> AsyncIterator[bytes]:
        if start < 0 or end < start:
            raise ValueError(f"bad range {start}-{end}")
        tg_raw = await self.location(ref)
        session = await self.client.get_session(int(tg_raw["dc_id"]), is_media=True)
        refreshed = False
        pos = start - start % CHUNK  # aligned: offset % limit == 0, limit = 1 MiB
        while pos < end:
            query = raw.functions.upload.GetFile(
                location=input_location(tg_raw), offset=pos, limit=CHUNK
            )
            try:
                result = await session.invoke(query, sleep_threshold=self.sleep_threshold)
            except (errors.FileReferenceExpired, errors.FileReferenceInvalid) as exc:
                # Invalid too: a location stored by another account is not valid for this one.
                if refreshed:
                    raise VaultError(
                        f"file reference of {ref} expired again after refresh"
                    ) from exc
                refreshed = True
                old_dc = tg_raw["dc_id"]
                tg_raw = await self._refresh(ref)
                if tg_raw["dc_id"] != old_dc:
                    session = await self.client.get_session(int(tg_raw["dc_id"]), is_media=True)
                continue
            except errors.FloodWait as exc:
                raise FloodWaitError(int(exc.value or 0), dc_id=tg_raw["dc_id"]) from exc
            if not isinstance(result, raw.types.upload.File):
                # CDN redirects are for popular public media, not private storage channels.
                raise VaultError(f"unexpected {type(result).__name__} for {ref}")
            data = result.bytes
            lo = max(start - pos, 0)
            hi = min(end - pos, len(data))
            if hi <= lo:
                raise VaultError(f"object {ref} ended before byte {end}")
            yield data[lo:hi] if (lo, hi) != (0, len(data)) else data
            if len(data) < CHUNK and pos + len(data) < end:
                raise VaultError(f"object {ref} ended before byte {end}")
            pos += CHUNK

    async def stat(self, ref: str) -> FileStat:
        tg_raw = await self.location(ref)
        return FileStat(size=int(tg_raw.get("size") or 0))

    async def delete(self, ref: str) -> bool:
        chat_id, message_id = parse_ref(ref)
        self._locations.pop(ref, None)
        try:
            return bool(await self.client.delete_messages(chat_id, message_id))
        except errors.FloodWait as exc:
            raise FloodWaitError(int(exc.value or 0)) from exc
