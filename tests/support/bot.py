"""The Manager bot's side of Telegram, at the boundary, for tests that drive the handlers with
real pyrogram (kurigram) objects: what ``Message.reply``, ``CallbackQuery.answer`` and
``CallbackQuery.edit_message_text`` call on the client is recorded; ``copy_message`` puts the
file into the swarm's fake Telegram; a flood wait can be injected once."""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path

from asgiref.sync import async_to_sync
from pyrogram import enums
from pyrogram.errors import FloodWait
from pyrogram.types import CallbackQuery, Chat, Message, Photo, User

from bot import fake, handlers
from swarm.telegram.fake import fake_message_put
from tests.support.swarm import JPEG

NOW = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
BOT = User(id=999_000_001, is_bot=True, first_name="Manager", username="sv_manager_bot")
IDS = itertools.count(1)


class FakeBotClient:
    def __init__(self) -> None:
        self.me = BOT
        self.sent: list[dict] = []
        self.edits: list[dict] = []
        self.answers: list[dict] = []
        self.copies: list[tuple[int, int, int]] = []
        self.files: dict[tuple[int, int], Path] = {}
        self.flood_once = 0  # seconds of FloodWait the next send raises
        self._next_id = itertools.count(5001)

    async def send_message(self, chat_id, text, **kw):
        if self.flood_once:
            seconds, self.flood_once = self.flood_once, 0
            raise FloodWait(value=seconds)
        reply = kw.get("reply_parameters")
        self.sent.append(
            {
                "chat_id": chat_id,
                "text": text,
                "reply_to": getattr(reply, "message_id", None),
                "markup": kw.get("reply_markup"),
            }
        )
        return Message(id=next(self._next_id), chat=Chat(id=chat_id), text=text, date=NOW)

    async def edit_message_text(self, chat_id, message_id, text, **kw):
        self.edits.append(
            {
                "chat_id": chat_id,
                "message_id": message_id,
                "text": text,
                "markup": kw.get("reply_markup"),
            }
        )
        return True

    async def answer_callback_query(self, callback_query_id, text=None, show_alert=None, **kw):
        self.answers.append({"id": callback_query_id, "text": text, "alert": bool(show_alert)})
        return True

    async def copy_message(self, chat_id, from_chat_id, message_id, **kw):
        new_id = next(self._next_id)
        fake_message_put(
            chat_id=chat_id, message_id=new_id, path=self.files[(from_chat_id, message_id)]
        )
        self.copies.append((from_chat_id, message_id, chat_id))
        return Message(id=new_id, chat=Chat(id=chat_id, type=enums.ChatType.CHANNEL), date=NOW)

    async def download_media(self, message, file_name=None, **kw):
        """The photo of ``message`` (a tiny JPEG, as Telegram would hand it over)."""
        Path(file_name).write_bytes(JPEG)
        return file_name

    def texts(self) -> list[str]:
        return [m["text"] for m in self.sent]

    def buttons(self, index: int = -1, *, edited: bool = False) -> list[tuple[str, str]]:
        """(label, callback data or url) of every button of a sent (or edited) message."""
        markup = (self.edits if edited else self.sent)[index]["markup"]
        rows = getattr(markup, "inline_keyboard", None) or []
        return [(b.text, b.callback_data or b.url) for row in rows for b in row]


def tg_user(user) -> User:
    return User(id=user.telegram_id, is_bot=False, first_name=user.first_name or "Someone")


def text_message(
    client: FakeBotClient,
    sender: User,
    text: str,
    *,
    chat_type: enums.ChatType = enums.ChatType.PRIVATE,
    reply_to: Message | None = None,
    date: datetime.datetime | None = None,
) -> Message:
    chat_id = sender.id if chat_type == enums.ChatType.PRIVATE else -100777
    return Message(
        client=client,
        id=100 + next(IDS),
        from_user=sender,
        chat=Chat(id=chat_id, type=chat_type, first_name=sender.first_name),
        date=date or datetime.datetime.now(datetime.UTC),
        text=text,
        reply_to_message_id=reply_to.id if reply_to is not None else None,
        reply_to_message=reply_to,
    )


def photo_message(
    client: FakeBotClient, sender: User, *, reply_to: Message | None = None
) -> Message:
    n = next(IDS)
    photo = Photo(
        file_id=f"PHOTO{n}", file_unique_id=f"P{n}", width=500, height=750, file_size=70, date=NOW
    )
    return Message(
        client=client,
        id=100 + n,
        from_user=sender,
        chat=Chat(id=sender.id, type=enums.ChatType.PRIVATE, first_name=sender.first_name),
        date=datetime.datetime.now(datetime.UTC),
        photo=photo,
        media=enums.MessageMediaType.PHOTO,
        reply_to_message_id=reply_to.id if reply_to is not None else None,
        reply_to_message=reply_to,
    )


def dispatch(client: FakeBotClient, message: Message):
    """What pyrogram's dispatcher does with a message in group 0 (``bot.fake.dispatch``):
    returns the handler that ran (None when none matched)."""
    return async_to_sync(fake.dispatch)(client, message)


def bot_message(client: FakeBotClient, index: int = -1, *, age_seconds: float = 0) -> Message:
    """The message the bot sent (``index`` in ``client.sent``), as the button press carries it."""
    sent = client.sent[index]
    return Message(
        client=client,
        id=4000 + next(IDS),
        from_user=BOT,
        chat=Chat(id=sent["chat_id"], type=enums.ChatType.PRIVATE),
        date=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=age_seconds),
        text=sent["text"],
    )


def press(client: FakeBotClient, sender: User, data: str, message: Message) -> None:
    """A press of the button with ``data`` on ``message``, through the bot's button router."""
    query = CallbackQuery(
        client=client,
        id=str(next(IDS)),
        from_user=sender,
        chat_instance="1",
        message=message,
        data=data,
    )
    async_to_sync(handlers.on_button)(client, query)
