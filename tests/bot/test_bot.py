"""The Manager bot's handlers, driven with REAL pyrogram (kurigram) objects — ``Message``,
``Video``, ``Document``, ``User``, ``Chat``, ``MessageOrigin*`` built directly — and a fake
client only at the boundary (it records what the bot sends; a message the bot copies lands in
the swarm's fake Telegram, where the worker accounts read it). No network. Celery is eager:
the ingest job a forward queues runs when its row commits, so the bot's follow-up reply carries
the published title's link."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.core.management import CommandError, call_command
from pyrogram import enums
from pyrogram.types import (
    Chat,
    Document,
    Message,
    MessageOriginChannel,
    MessageOriginHiddenUser,
    User,
    Video,
)

from bot import handlers
from bot.services import bot_admin_for
from catalog.models import MediaFile, Title
from ingest.kinds import JobKind
from jobs.models import Job, JobStatus
from swarm.models import Channel, Worker
from swarm.telegram.fake import fake_message_put
from swarm.workers import worker_set_session
from tests.factories import UserFactory
from tests.support.bot import IDS, NOW, FakeBotClient, dispatch, tg_user
from tests.support.swarm import TMDB_KEY, tmdb_install

pytestmark = pytest.mark.django_db(transaction=True)


def media_message(
    client: FakeBotClient,
    sender: User,
    *,
    path: Path | None = None,
    kind: str = "video",
    mime_type: str = "video/x-matroska",
    origin=None,
    chat_type: enums.ChatType = enums.ChatType.PRIVATE,
) -> Message:
    n = next(IDS)
    common = {
        "file_id": f"FILE{n}",
        "file_unique_id": f"U{n}",
        "file_name": path.name if path else f"file{n}.mkv",
        "mime_type": mime_type,
        "file_size": path.stat().st_size if path else 1234,
    }
    media = {}
    if kind == "video":
        media["video"] = Video(width=320, height=240, codec="h264", duration=12, **common)
        media["media"] = enums.MessageMediaType.VIDEO
    else:
        media["document"] = Document(**common)
        media["media"] = enums.MessageMediaType.DOCUMENT
    chat = Chat(id=sender.id, type=chat_type, first_name=sender.first_name)
    message = Message(
        client=client,
        id=100 + n,
        from_user=sender,
        chat=chat,
        date=NOW,
        forward_origin=origin,
        **media,
    )
    if path is not None:
        client.files[(chat.id, message.id)] = path
    return message


def channel_origin(chat_id: int, message_id: int) -> MessageOriginChannel:
    return MessageOriginChannel(
        chat=Chat(id=chat_id, type=enums.ChatType.CHANNEL, title="Releases"),
        message_id=message_id,
        date=NOW,
    )


def deliver(client: FakeBotClient, message: Message) -> str | None:
    """What the dispatcher does with an update, then wait for the job follow-up."""

    async def run():
        task = await handlers.on_media(client, message)
        return await task if task is not None else None

    return async_to_sync(run)()


@pytest.fixture
def bot_setup(fake_telegram, settings, monkeypatch):
    settings.SITE_URL = "https://sv.example"
    settings.TMDB_API_KEY = ""
    monkeypatch.setitem(handlers.FOLLOW, "poll_seconds", 0.05)
    monkeypatch.setitem(handlers.FOLLOW, "timeout_seconds", 30)
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")
    storage = Channel.objects.create(name="Store", kind=Channel.Kind.STORAGE, chat_id=-1002)
    admin = UserFactory(role="admin", first_name="Ada")
    return FakeBotClient(), admin, storage


def test_admin_forward_from_a_channel_is_indexed_and_the_title_link_sent(
    media, bot_setup, file_server, settings
):
    client, admin, storage = bot_setup
    tmdb_install(file_server)
    settings.TMDB_API_KEY = TMDB_KEY
    settings.TMDB_BASE_URL = file_server.url_for("/3")
    fake_message_put(chat_id=-100555, message_id=77, path=media.movie, file_name=media.movie.name)
    message = media_message(
        client, tg_user(admin), path=media.movie, origin=channel_origin(-100555, 77)
    )

    final = deliver(client, message)

    job = Job.objects.get(kind=JobKind.INGEST_FORWARD)
    assert job.status == JobStatus.DONE, job.last_error
    assert (job.payload["chat_id"], job.payload["message_id"]) == (-100555, 77)
    assert job.payload["copy_to_storage"] is True and job.created_by_id == admin.pk
    assert client.copies == []  # the origin is visible: referenced, not copied by the bot
    title = Title.objects.get()
    assert (title.title, title.status) == ("Big Test Movie", "available")
    media_file = MediaFile.objects.get()
    assert media_file.backend == "telegram" and media_file.ref.startswith(f"{storage.chat_id}:")
    assert client.texts() == [
        f"⏳ Indexing — job #{job.pk}. I will tell you when it is done.",
        f"✅ Indexed: Big Test Movie (2021) — published\nhttps://sv.example/title/{title.short_id}",
    ]
    assert final == client.texts()[-1]
    assert {m["chat_id"] for m in client.sent} == {admin.telegram_id}
    assert {m["reply_to"] for m in client.sent} == {message.id}


@pytest.mark.parametrize(
    "origin", [MessageOriginHiddenUser(sender_user_name="Anon", date=NOW), None]
)
def test_hidden_origin_or_direct_upload_is_copied_to_storage_first(media, bot_setup, origin):
    client, admin, storage = bot_setup
    message = media_message(
        client,
        tg_user(admin),
        path=media.episode1,
        kind="document",
        mime_type="video/x-matroska",
        origin=origin,
    )

    deliver(client, message)

    assert client.copies == [(admin.telegram_id, message.id, storage.chat_id)]
    job = Job.objects.get(kind=JobKind.INGEST_FORWARD)
    assert job.status == JobStatus.DONE, job.last_error
    assert job.payload["chat_id"] == storage.chat_id
    assert job.payload["file_name"] == media.episode1.name
    title = Title.objects.get()
    assert title.title == "Test Show" and title.status == "processing"  # no TMDB: to confirm
    assert title.year is None  # the release name has none
    assert client.texts()[-1] == (
        f"✅ Indexed: Test Show — processing, to confirm\nhttps://sv.example/title/{title.short_id}"
    )


def test_a_failed_ingest_is_reported_with_the_reason(media, bot_setup):
    client, admin, _ = bot_setup
    message = media_message(client, tg_user(admin), path=media.corrupt, kind="document")
    deliver(client, message)
    job = Job.objects.get(kind=JobKind.INGEST_FORWARD)
    assert job.status == JobStatus.FAILED
    assert client.texts()[-1].startswith(f"❌ Job #{job.pk} failed: not a playable video")
    assert not MediaFile.objects.exists()


@pytest.mark.parametrize(
    "who",
    ["free_user", "premium_user", "unknown", "banned_staff", "inactive_admin"],
)
def test_non_admins_get_a_polite_refusal(who, bot_setup):
    client, _, _ = bot_setup
    if who == "unknown":
        sender = User(id=424242, is_bot=False, first_name="Stranger")
    else:
        kw = {
            "free_user": {"role": "free"},
            "premium_user": {"role": "premium"},
            "banned_staff": {"role": "banned", "is_staff": True},
            "inactive_admin": {"role": "admin", "is_active": False},
        }[who]
        sender = tg_user(UserFactory(**kw))
    message = media_message(client, sender, origin=channel_origin(-100555, 77))
    assert deliver(client, message) is None
    assert client.texts() == [handlers.REFUSAL]
    assert not Job.objects.exists()


def test_who_is_an_admin():
    assert bot_admin_for(telegram_id=UserFactory(role="admin").telegram_id) is not None
    staff = UserFactory(role="free", is_staff=True)
    assert bot_admin_for(telegram_id=staff.telegram_id) == staff
    assert bot_admin_for(telegram_id=UserFactory(role="free").telegram_id) is None
    assert bot_admin_for(telegram_id=None) is None


def test_not_a_video_is_refused_with_the_reason(bot_setup):
    client, admin, _ = bot_setup
    message = media_message(
        client,
        tg_user(admin),
        kind="document",
        mime_type="audio/mpeg",
        origin=channel_origin(-100555, 78),
    )
    assert deliver(client, message) is None
    assert client.texts() == ["Not indexed: audio/mpeg is not a video or a document"]
    assert not Job.objects.exists()


def test_hidden_origin_without_a_storage_channel_is_refused(media, bot_setup):
    client, admin, storage = bot_setup
    storage.delete()
    message = media_message(client, tg_user(admin), path=media.episode1)
    assert deliver(client, message) is None
    assert "no storage channel" in client.texts()[0]
    assert client.copies == [] and not Job.objects.exists()


def test_follow_gives_up_with_the_admin_link(bot_setup):
    client, admin, _ = bot_setup
    job = Job.objects.create(kind=JobKind.INGEST_FORWARD, payload={}, status=JobStatus.RUNNING)
    message = media_message(client, tg_user(admin))
    text = async_to_sync(handlers.follow_job)(message, job.pk, poll_seconds=0.01, timeout_seconds=0)
    assert text == (
        f"Job #{job.pk} is still running; follow it in the admin: "
        f"https://sv.example/admin/jobs/job/{job.pk}/change/"
    )
    assert client.texts() == [text]


def test_handlers_filter_private_videos_and_documents_and_start(bot_setup):
    client, admin, _ = bot_setup
    media_cb, media_filter = handlers.HANDLERS[0]
    assert media_cb == handlers.on_media
    sender = tg_user(admin)

    def matches(flt, message) -> bool:
        return bool(async_to_sync(flt)(client, message))

    assert matches(media_filter, media_message(client, sender, kind="video"))
    assert matches(media_filter, media_message(client, sender, kind="document"))
    in_group = media_message(client, sender, chat_type=enums.ChatType.SUPERGROUP)
    assert not matches(media_filter, in_group)
    chat = Chat(id=sender.id, type=enums.ChatType.PRIVATE)
    text = Message(client=client, id=1, from_user=sender, chat=chat, date=NOW, text="hello")
    assert not matches(media_filter, text)
    assert dispatch(client, text) is None  # plain text: no handler
    start = Message(client=client, id=2, from_user=sender, chat=chat, date=NOW, text="/start")
    assert dispatch(client, start) == handlers.on_start


def test_bot_client_registers_the_handlers_with_the_bot_token(settings):
    from pyrogram.handlers import CallbackQueryHandler, MessageHandler

    from bot.client import bot_client, fresh_db_connections

    settings.TELEGRAM_API_ID, settings.TELEGRAM_API_HASH = 12345, "0" * 32
    settings.TELEGRAM_BOT_TOKEN = "123456:TEST-token"
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        client = bot_client()
        loop.run_until_complete(asyncio.sleep(0))  # add_handler schedules on the client's loop
        registered = [h for group in client.dispatcher.groups.values() for h in group]
        assert list(client.dispatcher.groups) == [-1, 0]  # the connection check runs first
        assert [(type(h), h.callback) for h in registered] == [
            (MessageHandler, fresh_db_connections),
            (CallbackQueryHandler, fresh_db_connections),
            *[(MessageHandler, callback) for callback, _ in handlers.HANDLERS],
            (CallbackQueryHandler, handlers.on_button),
        ]
        assert client.bot_token == "123456:TEST-token" and client.in_memory
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def test_run_bot_needs_a_token(settings):
    settings.TELEGRAM_GATEWAY = "pyrogram"  # the real client (the default)
    settings.TELEGRAM_BOT_TOKEN = ""
    with pytest.raises(CommandError, match="TELEGRAM_BOT_TOKEN is not set"):
        call_command("run_bot")


def test_run_bot_on_the_fake_gateway_needs_redis(settings):
    settings.TELEGRAM_GATEWAY = "fake"
    settings.REDIS_URL = ""
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("run_bot")
