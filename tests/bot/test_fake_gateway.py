"""The Manager bot on the fake gateway (``bot.fake``): an update pushed to Redis becomes a real
pyrogram ``Message`` for the same handlers, and the reply is pushed back."""

from __future__ import annotations

import json

import pytest
import redis
from asgiref.sync import async_to_sync
from django.conf import settings

from bot import fake
from tests.conftest import _redis_ok, require

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_update_in_the_inbox_is_answered_in_the_outbox():
    require(bool(settings.REDIS_URL) and _redis_ok(), "needs Redis (run scripts/test.sh)")
    r = redis.Redis.from_url(settings.REDIS_URL)
    r.delete(fake.INBOX, fake.OUTBOX)
    r.rpush(fake.INBOX, json.dumps({"user_id": 777, "first_name": "Ada", "text": "/help"}))
    async_to_sync(fake.run)(once=True)
    reply = json.loads(r.lpop(fake.OUTBOX))
    assert reply["chat_id"] == 777 and "/request" in reply["text"]
    # A malformed update is logged and skipped; the bot keeps going.
    r.rpush(fake.INBOX, "not json")
    async_to_sync(fake.run)(once=True)
    assert r.llen(fake.OUTBOX) == 0
