"""Fresh sessions learn their channels before using them.

At the boundary: a real kurigram ``Client`` (in-memory storage, no network) whose session
answers as Telegram does — dialogs and username resolution with real raw objects, and
``channels.GetChannels`` with ``access_hash=0`` refused with CHANNEL_INVALID as it is for user
accounts. In the runtime: the fake gateway refuses a channel the session never resolved, so
every upload and post below proves the warm-up ran; an account that cannot see its channels
is not started (loudly), and a channel added later is learnt by the running accounts."""

from __future__ import annotations

import io

import pytest
import redis
from asgiref.sync import async_to_sync
from django.conf import settings
from pyrogram import Client, errors, raw
from pyrogram.raw.core import TLObject

from core.models import AdminAlert
from swarm.models import Channel, Worker, WorkerRole
from swarm.telegram.fake import fake_access_hash, fake_chat_hide, fake_sent
from swarm.telegram.gateway import ChatRef, PeerUnknown
from swarm.telegram.peers import peers_warm
from swarm.telegram.runtime import TelegramRuntime
from swarm.workers import worker_set_session

MEMBER, PUBLIC, STRANGER = 1700000001, 1700000002, 1700000003
HASHES = {MEMBER: 111, PUBLIC: 222}


def chat_id(channel_id: int) -> int:
    return -1000000000000 - channel_id


def _channel(channel_id: int) -> raw.types.Channel:
    return raw.types.Channel(
        id=channel_id,
        title=f"channel {channel_id}",
        photo=raw.types.ChatPhotoEmpty(),
        date=0,
        access_hash=HASHES[channel_id],
        broadcast=True,
    )


class TelegramSession:
    """What Telegram answers a user account (the calls the warm-up makes)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def invoke(self, query, **kw):
        # Every answer goes over the wire format and back, as the bytes from a DC would.
        return TLObject.read(io.BytesIO(self._answer(query).write()))

    def _answer(self, query):
        query = getattr(query, "query", query)  # InvokeWithoutUpdates
        self.calls.append(type(query).__name__)
        if isinstance(query, raw.functions.messages.GetDialogs):
            if not isinstance(query.offset_peer, raw.types.InputPeerEmpty):
                return raw.types.messages.Dialogs(dialogs=[], messages=[], chats=[], users=[])
            dialog = raw.types.Dialog(
                peer=raw.types.PeerChannel(channel_id=MEMBER),
                top_message=0,
                read_inbox_max_id=0,
                read_outbox_max_id=0,
                unread_count=0,
                unread_mentions_count=0,
                unread_reactions_count=0,
                unread_poll_votes_count=0,
                notify_settings=raw.types.PeerNotifySettings(),
            )
            return raw.types.messages.Dialogs(
                dialogs=[dialog], messages=[], chats=[_channel(MEMBER)], users=[]
            )
        if isinstance(query, raw.functions.contacts.ResolveUsername):
            if query.username != "public_films":
                raise errors.UsernameNotOccupied()
            return raw.types.contacts.ResolvedPeer(
                peer=raw.types.PeerChannel(channel_id=PUBLIC), chats=[_channel(PUBLIC)], users=[]
            )
        if isinstance(query, raw.functions.channels.GetChannels):
            if all(c.access_hash == 0 for c in query.id):
                raise errors.ChannelInvalid()  # what a user account gets without the hash
        raise AssertionError(f"unexpected call {query!r}")


@pytest.fixture
def client():
    c = Client("warm-test", api_id=1, api_hash="x", in_memory=True, no_updates=True)
    session = TelegramSession()

    async def open_():
        await c.storage.open()

    async_to_sync(open_)()
    c.is_connected = True
    c.session = session
    return c, session


def _resolve(c: Client, peer_id: int):
    async def go():
        return await c.resolve_peer(peer_id)

    return async_to_sync(go)()


def test_a_fresh_session_cannot_reach_a_channel_by_id_alone(client):
    c, session = client
    with pytest.raises(errors.ChannelInvalid):
        _resolve(c, chat_id(MEMBER))
    assert session.calls == ["GetChannels"]  # kurigram asked with access_hash=0, and lost


def test_the_warm_up_learns_channels_from_dialogs_and_usernames(client):
    c, session = client
    chats = [ChatRef(chat_id(MEMBER)), ChatRef(chat_id(PUBLIC), username="public_films")]
    hashes = async_to_sync(peers_warm)(c, chats)
    assert hashes == {chat_id(MEMBER): 111, chat_id(PUBLIC): 222}
    peer = _resolve(c, chat_id(MEMBER))  # now from the client's own table
    assert isinstance(peer, raw.types.InputPeerChannel) and peer.access_hash == 111
    # Its dialogs (two pages: the second is empty), then the username for the one not in them.
    assert session.calls == ["GetDialogs", "GetDialogs", "ResolveUsername"]


def test_kept_hashes_need_no_call_and_an_unreachable_channel_is_refused(client):
    c, session = client
    hashes = async_to_sync(peers_warm)(c, [ChatRef(chat_id(MEMBER))], {chat_id(MEMBER): 111})
    assert hashes == {chat_id(MEMBER): 111} and session.calls == []
    with pytest.raises(PeerUnknown, match=str(chat_id(STRANGER))):
        async_to_sync(peers_warm)(c, [ChatRef(chat_id(STRANGER), username="nobody_here")])


# --- the runtime, on the fake gateway ---------------------------------------------------------


def _account(role: str = WorkerRole.INGEST, name: str = "w") -> Worker:
    worker = Worker.objects.create(name=name, role=role)
    worker_set_session(worker=worker, session_string=f"session-{name}")
    return worker


@pytest.mark.django_db
def test_the_fake_refuses_a_channel_the_session_never_resolved(fake_telegram):
    worker = _account()
    rt = TelegramRuntime(WorkerRole.INGEST).start()  # no Channel rows: nothing was resolved
    try:
        with pytest.raises(PeerUnknown, match="CHANNEL_INVALID"):
            rt.run(rt.gateway.send_message(worker.pk, -1009999, "hello"))
    finally:
        rt.stop()


@pytest.mark.django_db
def test_accounts_learn_their_channels_at_start_and_keep_the_hashes(fake_telegram):
    storage = Channel.objects.create(name="S", kind=Channel.Kind.STORAGE, chat_id=-1004001)
    updates = Channel.objects.create(name="U", kind=Channel.Kind.PUBLIC_UPDATES, chat_id=-1004002)
    ingest, stream = _account(name="up"), _account(WorkerRole.STREAM, name="st")
    rt = TelegramRuntime(WorkerRole.INGEST).start()
    st = TelegramRuntime(WorkerRole.STREAM).start()
    try:
        assert rt.owned_ids() == {ingest.pk} and st.owned_ids() == {stream.pk}
        stored = async_to_sync(rt.vault_backend.put)(io.BytesIO(b"bytes"), file_name="a.bin")
        assert stored.ref.startswith(f"{storage.chat_id}:")
        rt.run(rt.gateway.send_message(ingest.pk, updates.chat_id, "new release"))
        assert async_to_sync(st.vault_backend.stat)(stored.ref).size == 5
        # Stream accounts only read: they learn the storage channels, nothing else.
        with pytest.raises(PeerUnknown):
            st.run(st.gateway.send_message(stream.pk, updates.chat_id, "no"))
    finally:
        rt.stop()
        st.stop()
    ingest.refresh_from_db()
    assert ingest.peer_hashes == {
        str(storage.chat_id): fake_access_hash(ingest.pk, storage.chat_id),
        str(updates.chat_id): fake_access_hash(ingest.pk, updates.chat_id),
    }
    assert [m["op"] for m in fake_sent()] == ["document", "message"]


@pytest.mark.django_db
def test_an_account_that_cannot_see_its_channel_is_not_started_loudly(fake_telegram, caplog):
    Channel.objects.create(name="S", kind=Channel.Kind.STORAGE, chat_id=-1004011)
    fake_chat_hide(chat_id=-1004011)
    worker = _account()
    rt = TelegramRuntime(WorkerRole.INGEST).start()
    try:
        assert rt.owned_ids() == set()
        assert rt.gateway.started == set()  # its client was stopped again
    finally:
        rt.stop()
    alert = AdminAlert.objects.get()
    assert "not started" in alert.message and "-1004011" in alert.message
    assert "CHANNEL_INVALID" in caplog.text
    if settings.REDIS_URL:  # the lock went back: another process may try the account
        assert not redis.Redis.from_url(settings.REDIS_URL).exists(
            f"swarm:session-lock:{worker.pk}"
        )


@pytest.mark.django_db
def test_a_channel_added_later_is_learnt_by_the_running_accounts(fake_telegram):
    worker = _account()
    rt = TelegramRuntime(WorkerRole.INGEST).start()
    try:
        assert rt.owned_ids() == {worker.pk}
        alerts = Channel.objects.create(name="A", kind=Channel.Kind.ADMIN_ALERTS, chat_id=-1004021)
        rt.refresh(force=True)  # what the runtime's look every REFRESH_EVERY seconds does
        rt.run(rt.gateway.send_message(worker.pk, alerts.chat_id, "hello admins"))
    finally:
        rt.stop()
    assert fake_sent()[-1]["chat_id"] == alerts.chat_id
