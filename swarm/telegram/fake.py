"""A Telegram that lives in Redis (or in this process without Redis), for tests, the
embedded default and benchmarks. It behaves like the real gateway where the swarm can tell:
message ids grow per chat, a flood wait can be injected per account, forwarded files can be
seeded and downloaded, login asks for a code and (optionally) a password.

Each started account also has a ``FakeClient`` (``gateway.client(worker_id)``): the slice of
``pyrogram.Client`` the vault's ``TelegramBackend`` uses (``get_messages`` answering real
Pyrogram ``types.Message`` objects, ``get_session(...).invoke(upload.GetFile)`` answering
``raw.types.upload.File`` with the message's bytes, ``delete_messages``, ``send_document``), so
the runtime can register a real ``TelegramBackend`` on it.

Test helpers: ``fake_inject_flood``, ``fake_message_put``, ``fake_message_exists``,
``fake_sent``, ``fake_reset``.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from pyrogram import errors, raw

from .gateway import (
    ChatRef,
    FloodWaitError,
    LoginState,
    PasswordNeeded,
    PeerUnknown,
    SessionRevoked,
    TelegramError,
)

K = "swarm:fake:"
MAX_FILE_BYTES = 2000 * 1024 * 1024  # an upload by a user account without Premium
LOGIN_CODE = "12345"


class _Memory:
    """The Redis subset the fake uses, in memory (embedded default)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kv: dict[str, Any] = {}
        self.lists: dict[str, list[str]] = {}

    def incr(self, key):
        with self.lock:
            self.kv[key] = int(self.kv.get(key, 0)) + 1
            return self.kv[key]

    def set(self, key, value):
        with self.lock:
            self.kv[key] = value

    def get(self, key):
        return self.kv.get(key)

    def getdel(self, key):
        with self.lock:
            return self.kv.pop(key, None)

    def rpush(self, key, value):
        with self.lock:
            self.lists.setdefault(key, []).append(value)

    def lrange(self, key, start, end):
        items = self.lists.get(key, [])
        return items[start:] if end == -1 else items[start : end + 1]

    def clear(self):
        with self.lock:
            self.kv.clear()
            self.lists.clear()


_memory = _Memory()


def _store():
    if settings.REDIS_URL:
        import redis

        return redis.Redis.from_url(settings.REDIS_URL, decode_responses=True)
    return _memory


def fake_inject_flood(*, worker_id: int, seconds: int, times: int = 1) -> None:
    """The next ``times`` calls of this account raise FloodWait(seconds)."""
    _store().set(f"{K}flood:{worker_id}", json.dumps({"seconds": seconds, "times": times}))


def fake_inject_error(*, worker_id: int, message: str = "RPC_CALL_FAIL", revoked: bool = False):
    _store().set(f"{K}error:{worker_id}", json.dumps({"message": message, "revoked": revoked}))


def fake_chat_hide(*, chat_id: int) -> None:
    """No account can see this chat any more (not a member, no username that resolves)."""
    _store().set(f"{K}hidden:{chat_id}", "1")


def fake_access_hash(worker_id: int, chat_id: int) -> int:
    """The access hash the fake gives this account for this chat (per account, as Telegram)."""
    return abs(hash(("access", int(worker_id), int(chat_id)))) % 10**15 + 1


def fake_media_id(chat_id: int, message_id: int) -> int:
    """The document id the fake gives the file a message carries (stable across processes)."""
    return abs(hash((int(chat_id), int(message_id)))) % 10**12


def _message_store(chat_id: int, message_id: int, raw: str) -> None:
    store = _store()
    store.set(f"{K}msg:{chat_id}:{message_id}", raw)
    store.set(f"{K}media:{fake_media_id(chat_id, message_id)}", f"{chat_id}:{message_id}")


def fake_message_put(
    *, chat_id: int, message_id: int, path: Path, file_name: str = "", mime_type: str = ""
) -> None:
    """A message carrying a file, as if someone had posted it (the bot test harness)."""
    data = {
        "path": str(path),
        "file_name": file_name or Path(path).name,
        "mime_type": mime_type or "video/x-matroska",
        "size": Path(path).stat().st_size,
    }
    _message_store(chat_id, message_id, json.dumps(data))


def fake_message_exists(*, chat_id: int, message_id: int) -> bool:
    return bool(_store().get(f"{K}msg:{chat_id}:{message_id}"))


def fake_sent() -> list[dict[str, Any]]:
    """Everything sent so far, oldest first."""
    return [json.loads(x) for x in _store().lrange(f"{K}sent", 0, -1)]


def fake_reset() -> None:
    store = _store()
    if store is _memory:
        _memory.clear()
        return
    keys = list(store.scan_iter(f"{K}*"))
    if keys:
        store.delete(*keys)


class FakeGateway:
    """Like Telegram, an account's session starts knowing no chat: a channel or group (a
    negative id) it has not been made to see (``chats_warm``) answers CHANNEL_INVALID."""

    def __init__(self) -> None:
        self.started: set[int] = set()
        self.peers: dict[int, set[int]] = {}  # worker id → chats this session can reach

    async def start_account(self, worker_id: int, *, session: str, proxy: str) -> None:
        if not session:
            raise SessionRevoked(f"worker {worker_id} has no session")
        self.started.add(worker_id)
        self.peers[worker_id] = set()

    async def chats_warm(
        self, worker_id: int, chats: list[ChatRef], known: dict[int, int] | None = None
    ) -> dict[int, int]:
        hidden = [c.chat_id for c in chats if _store().get(f"{K}hidden:{c.chat_id}")]
        if hidden:
            raise PeerUnknown(f"CHANNEL_INVALID: the account cannot see chat(s) {hidden}")
        self.peers.setdefault(worker_id, set()).update(c.chat_id for c in chats)
        return {c.chat_id: fake_access_hash(worker_id, c.chat_id) for c in chats}

    async def stop_account(self, worker_id: int) -> None:
        self.started.discard(worker_id)
        self.peers.pop(worker_id, None)

    async def stop(self) -> None:
        self.started.clear()
        self.peers.clear()

    def _peer(self, worker_id: int, *chat_ids: int) -> None:
        for chat_id in chat_ids:
            if int(chat_id) < 0 and int(chat_id) not in self.peers.get(worker_id, ()):
                raise PeerUnknown(f"CHANNEL_INVALID: worker {worker_id} never saw chat {chat_id}")

    def _faults(self, worker_id: int) -> None:
        store = _store()
        raw = store.get(f"{K}flood:{worker_id}")
        if raw:
            fault = json.loads(raw)
            if fault["times"] <= 1:
                store.getdel(f"{K}flood:{worker_id}")
            else:
                fault["times"] -= 1
                store.set(f"{K}flood:{worker_id}", json.dumps(fault))
            raise FloodWaitError(int(fault["seconds"]))
        raw = store.getdel(f"{K}error:{worker_id}")
        if raw:
            fault = json.loads(raw)
            raise (SessionRevoked if fault["revoked"] else TelegramError)(fault["message"])

    def _record(self, **entry: Any) -> int:
        store = _store()
        message_id = int(store.incr(f"{K}seq:{entry['chat_id']}"))
        store.rpush(f"{K}sent", json.dumps({**entry, "message_id": message_id}))
        return message_id

    async def send_message(self, worker_id: int, chat_id: int, text: str) -> int:
        self._faults(worker_id)
        self._peer(worker_id, chat_id)
        return self._record(op="message", worker_id=worker_id, chat_id=chat_id, text=text)

    async def send_photo(self, worker_id: int, chat_id: int, photo, caption: str) -> int:
        self._faults(worker_id)
        self._peer(worker_id, chat_id)
        return self._record(
            op="photo",
            worker_id=worker_id,
            chat_id=chat_id,
            caption=caption,
            photo=Path(photo).name if photo else None,
        )

    async def copy_message(
        self, worker_id: int, from_chat_id: int, message_id: int, to_chat_id: int
    ) -> int:
        self._faults(worker_id)
        self._peer(worker_id, from_chat_id, to_chat_id)
        raw = _store().get(f"{K}msg:{from_chat_id}:{message_id}")
        if not raw:
            raise TelegramError("MESSAGE_ID_INVALID")
        new_id = self._record(
            op="copy", worker_id=worker_id, chat_id=to_chat_id, source=[from_chat_id, message_id]
        )
        _message_store(to_chat_id, new_id, raw)
        return new_id

    async def download(
        self, worker_id: int, chat_id: int, message_id: int, dest: Path
    ) -> dict[str, Any]:
        self._faults(worker_id)
        self._peer(worker_id, chat_id)
        raw = _store().get(f"{K}msg:{chat_id}:{message_id}")
        if not raw:
            raise TelegramError("MESSAGE_ID_INVALID")
        data = json.loads(raw)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data["path"], dest)
        return {
            "file_name": data["file_name"],
            "mime_type": data["mime_type"],
            "size": data["size"],
            "tg_raw": {
                "chat_id": chat_id,
                "message_id": message_id,
                "media_id": fake_media_id(chat_id, message_id),
                "access_hash": 0,
                "file_reference": "",
                "dc_id": 2,
            },
        }

    async def delete_messages(self, worker_id: int, chat_id: int, message_id: int) -> int:
        self._faults(worker_id)
        self._peer(worker_id, chat_id)
        return _delete(worker_id, chat_id, message_id)

    def client(self, worker_id: int) -> FakeClient:
        if worker_id not in self.started:
            raise TelegramError(f"worker {worker_id} is not started in this process")
        return FakeClient(self, worker_id)

    async def bot_send_message(
        self, chat_id: int, text: str, buttons: list[list[tuple[str, str]]] | None = None
    ) -> int:
        entry: dict[str, Any] = {"op": "bot_message", "worker_id": None, "chat_id": chat_id}
        if buttons:
            entry["buttons"] = [[list(b) for b in row] for row in buttons]
        return self._record(**entry, text=text)

    async def login_send_code(
        self, *, phone: str, api_id: int, api_hash: str, proxy: str
    ) -> LoginState:
        return LoginState(phone=phone, phone_code_hash="fake-hash")

    async def login_code(self, state: LoginState, code: str) -> str:
        if code.strip() != LOGIN_CODE:
            raise TelegramError("PHONE_CODE_INVALID")
        if state.phone.endswith("2"):  # numbers ending in 2 have two-step verification
            raise PasswordNeeded()
        return f"fake-session-{state.phone}"

    async def login_password(self, state: LoginState, password: str) -> str:
        if password != "hunter2":
            raise TelegramError("PASSWORD_HASH_INVALID")
        return f"fake-session-{state.phone}-2fa"


def _delete(worker_id: int, chat_id: int, message_id: int) -> int:
    """Delete a message (1) or find it already gone (0); recorded as op "delete"."""
    store = _store()
    existed = store.getdel(f"{K}msg:{chat_id}:{message_id}") is not None
    entry = {"op": "delete", "worker_id": worker_id, "chat_id": chat_id}
    store.rpush(f"{K}sent", json.dumps({**entry, "message_id": message_id, "deleted": existed}))
    return int(existed)


def _pyrogram_message(chat_id: int, message_id: int, data: dict[str, Any]):
    from pyrogram import raw, types

    raw_doc = raw.types.Document(
        id=fake_media_id(chat_id, message_id),
        access_hash=0,
        file_reference=b"",
        date=0,
        mime_type=data["mime_type"],
        size=data["size"],
        dc_id=2,
        attributes=[raw.types.DocumentAttributeFilename(file_name=data["file_name"])],
    )
    return types.Message(
        id=message_id,
        chat=types.Chat(id=chat_id),
        document=types.Document._parse(None, raw_doc, data["file_name"]),
    )


class _FakeMediaSession:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    async def invoke(self, query: Any, *, sleep_threshold: float = 10) -> Any:
        self.client.gateway._faults(self.client.worker_id)
        if not isinstance(query, raw.functions.upload.GetFile):
            raise TelegramError(f"the fake media session only answers GetFile, not {query!r}")
        # Telegram's rules for a read: offset and limit divisible by 4096, 1 MiB divisible by
        # the limit, and no request crossing a 1 MiB boundary.
        offset, limit, mib = query.offset, query.limit, 1024 * 1024
        if offset % 4096 or offset // mib != (offset + limit - 1) // mib:
            raise errors.OffsetInvalid()
        if limit <= 0 or limit % 4096 or mib % limit:
            raise errors.LimitInvalid()
        store = _store()
        where = store.get(f"{K}media:{query.location.id}")
        data = store.get(f"{K}msg:{where}") if where else None
        if not data:  # the message was deleted: its file reference is no good any more
            raise errors.FileReferenceExpired()
        with open(json.loads(data)["path"], "rb") as f:
            f.seek(query.offset)
            chunk = f.read(query.limit)
        return raw.types.upload.File(type=raw.types.storage.FilePartial(), mtime=0, bytes=chunk)


def _size_of(document: Any) -> int:
    if hasattr(document, "read"):
        here = document.tell()
        document.seek(0, 2)
        size = document.tell() - here
        document.seek(here)
        return size
    return Path(document).stat().st_size


class FakeClient:
    """One account's client, as ``vault.telegram.TelegramClient`` describes it."""

    def __init__(self, gateway: FakeGateway, worker_id: int) -> None:
        self.gateway = gateway
        self.worker_id = worker_id

    async def get_messages(self, chat_id: int, message_ids: int) -> Any:
        from pyrogram import types

        self.gateway._faults(self.worker_id)
        self.gateway._peer(self.worker_id, chat_id)
        raw = _store().get(f"{K}msg:{chat_id}:{message_ids}")
        if not raw:
            return types.Message(id=message_ids, empty=True)
        return _pyrogram_message(chat_id, message_ids, json.loads(raw))

    async def delete_messages(self, chat_id: int, message_ids: int) -> int:
        self.gateway._faults(self.worker_id)
        self.gateway._peer(self.worker_id, chat_id)
        return _delete(self.worker_id, chat_id, message_ids)

    async def get_session(self, dc_id: int | None = None, is_media: bool = False):
        return _FakeMediaSession(self)

    async def send_document(
        self, chat_id: int, document: Any, *, file_name: str | None = None, **kw: Any
    ) -> Any:
        self.gateway._faults(self.worker_id)
        self.gateway._peer(self.worker_id, chat_id)
        size = _size_of(document)  # kurigram refuses these before sending a part
        if size == 0:
            raise ValueError("File size equals to 0 B")
        if size > MAX_FILE_BYTES:
            raise ValueError("Can't upload files bigger than 2000 MiB")
        store = _store()
        message_id = int(store.incr(f"{K}seq:{chat_id}"))
        dest = Path(settings.INGEST_WORK_DIR) / "fake-telegram" / f"{chat_id}_{message_id}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        if hasattr(document, "read"):
            with open(dest, "wb") as out:
                shutil.copyfileobj(document, out)
        else:
            shutil.copyfile(document, dest)
        name = file_name or dest.name
        size = dest.stat().st_size
        data = {"path": str(dest), "file_name": name, "mime_type": "video/x-matroska", "size": size}
        _message_store(chat_id, message_id, json.dumps(data))
        entry = {"op": "document", "worker_id": self.worker_id, "chat_id": chat_id}
        store.rpush(f"{K}sent", json.dumps({**entry, "message_id": message_id, "name": name}))
        return _pyrogram_message(chat_id, message_id, data)
