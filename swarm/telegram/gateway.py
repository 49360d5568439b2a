"""The gateway: every Telegram operation the swarm performs, behind one async interface.

Two implementations: ``PyrogramGateway`` (kurigram clients, one per account; the default) and
``FakeGateway`` (deterministic, stores what it "sent" in Redis so a test can read it from
another process), which only the tests, ``scripts/dev.sh`` and the benchmarks choose, with
``TELEGRAM_GATEWAY=fake``.

Errors: ``vault.FloodWaitError`` (the account must wait), ``SessionRevoked`` (the
account is logged out or banned: it is dead), ``TelegramError`` (anything else; counted as an
error of the account and retried).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.utils.module_loading import import_string

from vault import FloodWaitError

__all__ = [
    "ChatRef",
    "FloodWaitError",
    "Gateway",
    "LoginState",
    "NotConfigured",
    "PasswordNeeded",
    "PeerUnknown",
    "SessionRevoked",
    "TelegramError",
    "get_gateway_class",
]


class TelegramError(Exception):
    """A Telegram call failed for a reason other than a flood wait."""


class NotConfigured(Exception):
    """This installation lacks what the operation needs (no bot token, no API id): nothing to
    retry until an admin configures it."""


class SessionRevoked(TelegramError):
    """The session no longer works (logged out, deactivated, banned)."""


class PeerUnknown(TelegramError):
    """The account does not know a chat (Telegram's CHANNEL_INVALID / PEER_ID_INVALID): a user
    account can reach a channel only once it has seen it (its dialogs, its username, its invite
    link) and keeps its access hash."""


@dataclass(frozen=True)
class ChatRef:
    """A chat an account must be able to reach, and how it can find it."""

    chat_id: int
    username: str = ""
    invite_link: str = ""


class PasswordNeeded(Exception):
    """Login: the account has two-step verification; call ``login_password``."""


@dataclass
class LoginState:
    phone: str
    phone_code_hash: str = ""
    handle: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class Gateway(Protocol):
    async def start_account(self, worker_id: int, *, session: str, proxy: str) -> None: ...

    async def chats_warm(
        self, worker_id: int, chats: list[ChatRef], known: dict[int, int] | None = None
    ) -> dict[int, int]:
        """Make every chat known to the account (``known``: access hashes kept from an earlier
        start); chat id → access hash. ``PeerUnknown`` naming what did not resolve."""
        ...

    async def stop_account(self, worker_id: int) -> None: ...

    async def stop(self) -> None: ...

    async def send_message(self, worker_id: int, chat_id: int, text: str) -> int: ...

    async def send_photo(
        self, worker_id: int, chat_id: int, photo: Path | None, caption: str
    ) -> int: ...

    async def copy_message(
        self, worker_id: int, from_chat_id: int, message_id: int, to_chat_id: int
    ) -> int: ...

    async def download(
        self, worker_id: int, chat_id: int, message_id: int, dest: Path
    ) -> dict[str, Any]:
        """Download the file a message carries to ``dest``; returns file_name, mime_type,
        size and tg_raw (the location as this account sees it)."""
        ...

    async def delete_messages(self, worker_id: int, chat_id: int, message_id: int) -> int:
        """Delete a message: 1, or 0 when it was already gone (idempotent)."""
        ...

    def client(self, worker_id: int) -> Any:
        """The account's client as ``vault.telegram.TelegramClient`` describes it (a
        ``pyrogram.Client`` as is; the fake's ``FakeClient``), for the vault backend. Its
        coroutines run on the runtime's loop. ``TelegramError`` when not started here."""
        ...

    async def bot_send_message(
        self, chat_id: int, text: str, buttons: list[list[tuple[str, str]]] | None = None
    ) -> int:
        """A message from the Manager bot; ``buttons``: rows of (label, callback data)."""
        ...

    async def login_send_code(
        self, *, phone: str, api_id: int, api_hash: str, proxy: str
    ) -> LoginState: ...

    async def login_code(self, state: LoginState, code: str) -> str:
        """The session string, or PasswordNeeded."""
        ...

    async def login_password(self, state: LoginState, password: str) -> str: ...


GATEWAYS = {
    "pyrogram": "swarm.telegram.pyrogram_gateway.PyrogramGateway",
    "fake": "swarm.telegram.fake.FakeGateway",
}


def get_gateway_class(name: str) -> type:
    """The class ``TELEGRAM_GATEWAY`` names (loaded by path: each implementation imports this
    module for the interface and its errors)."""
    if name not in GATEWAYS:
        raise ValueError(f"unknown TELEGRAM_GATEWAY {name!r} ({' | '.join(GATEWAYS)})")
    return import_string(GATEWAYS[name])
