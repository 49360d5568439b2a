"""A Telegram that lives in Redis (or in this process without Redis), for tests, the
embedded default and benchmarks. It behaves like the real gateway where the swarm can tell:
message ids grow per chat, a flood wait can be injected per account, forwarded files can be
seeded and downloaded, login asks for a code and (optionally) a password.

Test helpers: ``fake_inject_flood``, ``fake_message_put``, ``fake_sent``, ``fake_reset``.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

from .gateway import FloodWaitError, LoginState, PasswordNeeded, SessionRevoked, TelegramError

K = "swarm:fake:"
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
    _store().set(f"{K}msg:{chat_id}:{message_id}", json.dumps(data))


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
    def __init__(self) -> None:
        self.started: set[int] = set()

    async def start_account(self, worker_id: int, *, session: str, proxy: str) -> None:
        if not session:
            raise SessionRevoked(f"worker {worker_id} has no session")
        self.started.add(worker_id)

    async def stop(self) -> None:
        self.started.clear()

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
        return self._record(op="message", worker_id=worker_id, chat_id=chat_id, text=text)

    async def send_photo(self, worker_id: int, chat_id: int, photo, caption: str) -> int:
        self._faults(worker_id)
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
        raw = _store().get(f"{K}msg:{from_chat_id}:{message_id}")
        if not raw:
            raise TelegramError("MESSAGE_ID_INVALID")
        new_id = self._record(
            op="copy", worker_id=worker_id, chat_id=to_chat_id, source=[from_chat_id, message_id]
        )
        _store().set(f"{K}msg:{to_chat_id}:{new_id}", raw)
        return new_id

    async def download(
        self, worker_id: int, chat_id: int, message_id: int, dest: Path
    ) -> dict[str, Any]:
        self._faults(worker_id)
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
                "media_id": abs(hash((chat_id, message_id))) % 10**12,
                "access_hash": 0,
                "file_reference": "",
                "dc_id": 2,
            },
        }

    async def bot_send_message(self, chat_id: int, text: str) -> int:
        return self._record(op="bot_message", worker_id=None, chat_id=chat_id, text=text)

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
