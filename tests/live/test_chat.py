"""The live chat: who may write (signed in, not banned or timed out, followers-only honoured,
a blocked creator silenced), the rate limit and slow mode, plain text only, moderation
(audited, idempotent); then two WebSocket clients through the real ASGI server (uvicorn) on the
Redis channel layer, with hostile frames refused without dropping anyone else."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from core.models import AuditEntry
from live import chat
from live.models import ChatBan, ChatMessage, Creator, Follow, Stream
from tests.conftest import _redis_ok, require
from tests.factories import CreatorFactory, LiveStreamFactory, StaffFactory, UserFactory
from tests.support.media import _stop, start_uvicorn
from tests.support.swarm import wait_for


def _post(stream, user, text="hello"):
    return chat.message_post(stream_id=stream.pk, user=user, text=text)


@pytest.mark.django_db
def test_who_may_write():
    stream = LiveStreamFactory(who_can_message="followers")
    follower, stranger = UserFactory(), UserFactory()
    Follow.objects.create(follower=follower, creator=stream.creator)
    with pytest.raises(chat.ChatError) as refused:
        _post(stream, None)
    assert refused.value.code == "sign_in"
    with pytest.raises(chat.ChatError) as refused:
        _post(stream, stranger)
    assert refused.value.code == "followers_only"
    event = _post(stream, follower, "  hi\x00 there ")
    assert event["message"] == "hi there" and event["user"]["id"] == follower.pk
    _post(stream, stream.creator.user, "welcome")  # the creator always may
    assert Stream.objects.get(pk=stream.pk).total_comments == 2
    # A blocked creator cannot chat anywhere — from the moment of the block, even with the
    # user object (and its cached channel) a socket opened before it.
    blocked = CreatorFactory()
    user = type(blocked.user).objects.select_related("creator").get(pk=blocked.user_id)
    elsewhere = LiveStreamFactory()
    _post(elsewhere, user, "before")
    Creator.objects.filter(pk=blocked.pk).update(is_blocked=True)
    with pytest.raises(chat.ChatError) as refused:
        _post(elsewhere, user)
    assert refused.value.code == "blocked"
    # An ended broadcast's chat is closed.
    with pytest.raises(chat.ChatError) as refused:
        _post(LiveStreamFactory(status="offline"), follower)
    assert refused.value.code == "offline"


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["", "   ", "<script>x</script>", "x" * 501, 5, None])
def test_plain_text_up_to_500_characters(text):
    with pytest.raises(chat.ChatError) as refused:
        _post(LiveStreamFactory(), UserFactory(), text)
    assert refused.value.code == "invalid"
    assert not ChatMessage.objects.exists()


@pytest.mark.django_db
def test_rate_limit_and_slow_mode(settings):
    settings.LIVE_CHAT_RATE = 3
    stream = LiveStreamFactory()
    user = UserFactory()
    for n in range(3):
        _post(stream, user, f"line {n}")
    with pytest.raises(chat.ChatError) as refused:
        _post(stream, user)
    assert refused.value.code == "rate_limited" and refused.value.retry_after
    slow = LiveStreamFactory(slow_mode_seconds=30)
    _post(slow, user)
    with pytest.raises(chat.ChatError) as refused:
        _post(slow, user)
    assert refused.value.code == "slow_mode" and refused.value.retry_after == 30
    _post(slow, slow.creator.user)  # slow mode does not hold the creator back
    _post(slow, slow.creator.user)


@pytest.mark.django_db
def test_moderation_is_audited_and_idempotent():
    stream = LiveStreamFactory()
    rude = UserFactory()
    event = _post(stream, rude, "rude words")
    line = ChatMessage.objects.get(pk=event["id"])
    mod = stream.creator.user
    assert chat.message_delete(message=line, actor=mod)
    assert not chat.message_delete(message=line, actor=mod)
    assert Stream.objects.get(pk=stream.pk).total_comments == 0
    chat.user_keep_out(creator=stream.creator, user=rude, actor=mod, seconds=60)
    with pytest.raises(chat.ChatError) as refused:
        _post(stream, rude)
    assert refused.value.code == "timed_out" and 0 < refused.value.retry_after <= 61
    chat.user_keep_out(creator=stream.creator, user=rude, actor=mod, seconds=None)
    assert ChatBan.objects.get().until is None  # one row: the ban replaced the time-out
    with pytest.raises(chat.ChatError) as refused:
        _post(stream, rude)
    assert refused.value.code == "banned"
    assert chat.user_let_in(creator=stream.creator, user_id=rude.pk, actor=mod)
    assert not chat.user_let_in(creator=stream.creator, user_id=rude.pk, actor=mod)
    _post(stream, rude, "sorry")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["chat_message_delete", "chat_timeout", "chat_ban", "chat_unban"]
    # Only moderators may: a viewer's moderation frame is refused.
    with pytest.raises(chat.ChatError) as refused:
        chat.frame_handle(stream_id=stream.pk, user=rude, frame={"type": "ban", "user": mod.pk})
    assert refused.value.code == "forbidden"
    staff = StaffFactory()
    assert chat.is_moderator(user=staff, stream=stream)
    with pytest.raises(chat.ChatError):
        chat.user_keep_out(creator=stream.creator, user=mod, actor=staff, seconds=5)


# --- through the real ASGI server ---------------------------------------------------------------


@pytest.fixture
def asgi(tmp_path):
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    server = start_uvicorn(tmp_path / "vault")
    yield server
    _stop(server.proc)


def _socket(server, stream, client=None, user=None):
    headers = {"Origin": server.url}
    if user is not None:
        client.force_login(user)
        headers["Cookie"] = f"sessionid={client.cookies['sessionid'].value}"
    ws_url = server.url.replace("http://", "ws://") + f"/ws/live/{stream.public_id}/"
    return connect(ws_url, additional_headers=headers, open_timeout=10)


def _next(ws, kind: str, timeout: float = 10.0) -> dict:
    """The next frame of type ``kind`` (others — joins, viewer counts — are skipped)."""
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        if frame["type"] == kind:
            return frame


def _say(ws, text: str) -> None:
    ws.send(json.dumps({"type": "message", "message": text}))


@pytest.mark.django_db(transaction=True)
def test_two_clients_chat_through_the_asgi_server(asgi, client):
    stream = LiveStreamFactory(who_can_message="followers")
    fan, stranger = UserFactory(first_name="Fan"), UserFactory(first_name="Stranger")
    Follow.objects.create(follower=fan, creator=stream.creator)
    with (
        _socket(asgi, stream, client, fan) as a,
        _socket(asgi, stream, client, stranger) as b,
    ):
        assert _next(a, "hello")["can_send"] is True
        hello = _next(b, "hello")
        assert hello["can_send"] is False and hello["refused"]["code"] == "followers_only"
        _say(b, "let me in")
        assert _next(b, "error")["code"] == "followers_only"
        _say(a, "hi all")
        for ws in (a, b):
            line = _next(ws, "message")
            while line["id"] is None:  # "… joined" lines are not stored
                line = _next(ws, "message")
            assert line["message"] == "hi all" and line["user"]["name"] == "Fan"

        # Hostile frames get an error on that socket only; nobody is dropped.
        b.send(b"\x00\x01binary")
        assert _next(b, "error")["code"] == "invalid"
        b.send("x" * 10_000)
        assert _next(b, "error")["code"] == "too_large"
        b.send("{not json")
        assert _next(b, "error")["code"] == "invalid"
        _say(a, "<img src=x onerror=alert(1)>")
        assert _next(a, "error")["code"] == "invalid"
        # A flood closes the flooding socket; the others keep chatting.
        with _socket(asgi, stream) as flooder:
            _next(flooder, "hello")
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(40):
                    flooder.send('{"type": "ping"}')
                while True:
                    flooder.recv(timeout=5)
            assert closed.value.rcvd.code == 4008
        _say(a, "still here")
        assert _next(b, "message")["message"] == "still here"

        # The creator moderates from their own socket: the line disappears for everyone.
        with _socket(asgi, stream, client, stream.creator.user) as mod:
            assert _next(mod, "hello")["moderator"] is True
            line_id = ChatMessage.objects.get(message="still here").pk
            mod.send(json.dumps({"type": "delete", "id": line_id}))
            assert _next(a, "deleted")["id"] == line_id
            assert _next(b, "deleted")["id"] == line_id
            mod.send(json.dumps({"type": "timeout", "user": fan.pk, "seconds": 60}))
            assert wait_for(lambda: ChatBan.objects.filter(user=fan).exists(), timeout=5)
        _say(a, "am I out?")
        assert _next(a, "error")["code"] == "timed_out"

    history = client.get(f"/api/live/streams/{stream.public_id}/chat/").json()
    assert [m["message"] for m in history["results"]] == ["hi all"]


@pytest.mark.django_db(transaction=True)
def test_an_unknown_stream_is_refused(asgi):
    with pytest.raises(InvalidStatus) as refused:  # closed before the handshake completes
        _socket(asgi, Stream(public_id="nope"))
    assert refused.value.response.status_code == 403
