"""The real gateway: one kurigram ``pyrogram.Client`` per account, in memory (the session
string comes decrypted from the Worker row and is never written to disk), with the account's
SOCKS5 proxy. All methods run on the runtime's loop (``swarm.telegram.runtime``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from pyrogram import Client, errors
from pyrogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from swarm.storage.account import MEDIA_ATTRS, tg_raw_from_message
from swarm.telegram.peers import peers_warm

from .gateway import (
    ChatRef,
    FloodWaitError,
    LoginState,
    NotConfigured,
    PasswordNeeded,
    PeerUnknown,
    SessionRevoked,
    TelegramError,
)

log = logging.getLogger(__name__)

_REVOKED = (
    errors.AuthKeyUnregistered,
    errors.SessionRevoked,
    errors.UserDeactivated,
    errors.UserDeactivatedBan,
    errors.AuthKeyDuplicated,
)


_UNKNOWN_PEER = (errors.ChannelInvalid, errors.PeerIdInvalid, errors.ChannelPrivate)


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, errors.FloodWait):
        return FloodWaitError(int(exc.value or 1))
    if isinstance(exc, _REVOKED):
        return SessionRevoked(type(exc).__name__)
    if isinstance(exc, _UNKNOWN_PEER):
        return PeerUnknown(f"{type(exc).__name__}: {exc}")
    return TelegramError(f"{type(exc).__name__}: {exc}")


class PyrogramGateway:
    def __init__(self) -> None:
        self.clients: dict[int, Client] = {}
        self.bot: Client | None = None

    def _client(self, worker_id: int) -> Client:
        try:
            return self.clients[worker_id]
        except KeyError:
            raise TelegramError(f"worker {worker_id} is not started in this process") from None

    async def start_account(self, worker_id: int, *, session: str, proxy: str) -> None:
        client = Client(
            name=f"worker-{worker_id}",
            session_string=session,
            in_memory=True,
            proxy=proxy or None,
            no_updates=True,
        )
        try:
            await client.start()
        except Exception as exc:
            raise _translate(exc) from exc
        self.clients[worker_id] = client

    async def chats_warm(
        self, worker_id: int, chats: list[ChatRef], known: dict[int, int] | None = None
    ) -> dict[int, int]:
        return await self._call(peers_warm(self._client(worker_id), chats, known))

    async def stop_account(self, worker_id: int) -> None:
        client = self.clients.pop(worker_id, None)
        if client is not None:
            try:
                await client.stop()
            except Exception as exc:
                log.warning("stopping the client of worker %s failed: %s", worker_id, exc)

    async def _bot(self) -> Client:
        if self.bot is None:
            if not settings.TELEGRAM_BOT_TOKEN:
                raise NotConfigured("TELEGRAM_BOT_TOKEN is not set: the Manager bot cannot send")
            self.bot = Client(
                name="manager-bot",
                api_id=settings.TELEGRAM_API_ID,
                api_hash=settings.TELEGRAM_API_HASH,
                bot_token=settings.TELEGRAM_BOT_TOKEN,
                in_memory=True,
                no_updates=True,
            )
            await self.bot.start()
        return self.bot

    async def stop(self) -> None:
        for client in [*self.clients.values(), *([self.bot] if self.bot else [])]:
            try:
                await client.stop()
            except Exception as exc:  # stopping must go on to the other clients
                log.warning("stopping a Telegram client failed: %s", exc)
        self.clients.clear()
        self.bot = None

    async def _call(self, coro) -> Any:
        try:
            return await coro
        except (FloodWaitError, TelegramError):
            raise
        except Exception as exc:
            raise _translate(exc) from exc

    async def send_message(self, worker_id: int, chat_id: int, text: str) -> int:
        msg = await self._call(self._client(worker_id).send_message(chat_id, text))
        return msg.id

    async def send_photo(self, worker_id: int, chat_id: int, photo, caption: str) -> int:
        client = self._client(worker_id)
        if photo is None:
            msg = await self._call(client.send_message(chat_id, caption))
        else:
            msg = await self._call(client.send_photo(chat_id, str(photo), caption=caption))
        return msg.id

    async def copy_message(
        self, worker_id: int, from_chat_id: int, message_id: int, to_chat_id: int
    ) -> int:
        client = self._client(worker_id)
        msg = await self._call(client.copy_message(to_chat_id, from_chat_id, message_id))
        return msg.id

    async def download(
        self, worker_id: int, chat_id: int, message_id: int, dest: Path
    ) -> dict[str, Any]:

        client = self._client(worker_id)
        message = await self._call(client.get_messages(chat_id, message_id))
        media = next((getattr(message, a) for a in MEDIA_ATTRS if getattr(message, a, None)), None)
        if media is None:
            raise TelegramError(f"message {chat_id}/{message_id} carries no file")
        dest.parent.mkdir(parents=True, exist_ok=True)
        await self._call(client.download_media(message, file_name=str(dest)))
        return {
            "file_name": getattr(media, "file_name", None) or dest.name,
            "mime_type": getattr(media, "mime_type", None) or "",
            "size": getattr(media, "file_size", None) or dest.stat().st_size,
            "tg_raw": tg_raw_from_message(message),
        }

    async def delete_messages(self, worker_id: int, chat_id: int, message_id: int) -> int:
        # Telegram answers 0 for a message that is already gone: deleting is idempotent.
        client = self._client(worker_id)
        return int(await self._call(client.delete_messages(chat_id, message_id)) or 0)

    def client(self, worker_id: int) -> Client:
        return self._client(worker_id)

    async def bot_send_message(
        self, chat_id: int, text: str, buttons: list[list[tuple[str, str]]] | None = None
    ) -> int:
        bot = await self._bot()
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data) for label, data in row]
                    for row in buttons
                ]
            )
            if buttons
            else None
        )
        msg = await self._call(bot.send_message(chat_id, text, reply_markup=markup))
        return msg.id

    async def login_send_code(
        self, *, phone: str, api_id: int, api_hash: str, proxy: str
    ) -> LoginState:
        client = Client(
            name="login", api_id=api_id, api_hash=api_hash, in_memory=True, proxy=proxy or None
        )
        await client.connect()
        sent = await self._call(client.send_code(phone))
        return LoginState(phone=phone, phone_code_hash=sent.phone_code_hash, handle=client)

    async def login_code(self, state: LoginState, code: str) -> str:
        client: Client = state.handle
        try:
            await client.sign_in(state.phone, state.phone_code_hash, code.strip())
        except errors.SessionPasswordNeeded:
            raise PasswordNeeded() from None
        except Exception as exc:
            raise _translate(exc) from exc
        return await self._finish(client)

    async def login_password(self, state: LoginState, password: str) -> str:
        client: Client = state.handle
        await self._call(client.check_password(password))
        return await self._finish(client)

    async def _finish(self, client: Client) -> str:
        session = await client.export_session_string()
        await client.disconnect()
        return session
