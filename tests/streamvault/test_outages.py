"""One Redis blip, or a PostgreSQL restart, never takes the site down. The shipped topology
(honcho, ``deploy/Procfile``) runs with its PostgreSQL and Redis behind a proxy this test can
cut (``tests.support.faults.Outage``: every connection dropped, new ones refused, as a stopped
server does). Under a steady load: Redis away for 20 s — the site keeps answering; PostgreSQL
away for 10 s — the API answers 503 with Retry-After, never a 500. Afterwards every process is
still running (none exited: honcho would have stopped them all), and each is serving again:
nginx and the web process (the API), the stream process (a signed range), the bot (it answers
on the fake gateway), the Celery workers (a report is triaged)."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection

from catalog.models import Title
from ingest.local import media_ingest
from medic import services
from medic.models import Report
from tests.conftest import require
from tests.factories import UserFactory
from tests.streamvault.test_topology import running_topology
from tests.support.faults import Outage
from tests.support.signed import signed
from tests.support.swarm import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


class Load(threading.Thread):
    """GETs in a loop through nginx, recording every status (and Retry-After on a 503)."""

    def __init__(self, base: str, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.base, self.paths = base, paths
        self.seen: list[tuple[str, int, str]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            while not self.stopped.is_set():
                for path in self.paths:
                    try:
                        r = client.get(path)
                        self.seen.append((path, r.status_code, r.headers.get("retry-after", "")))
                    except httpx.HTTPError as exc:
                        self.seen.append((path, -1, type(exc).__name__))
                time.sleep(0.1)

    def during(self, seconds: float) -> list[tuple[str, int, str]]:
        start = len(self.seen)
        time.sleep(seconds)
        return self.seen[start:]


def _alive(proc) -> None:
    assert proc.poll() is None, "honcho stopped: a process exited"


def test_redis_and_postgres_outages_take_no_process_down(tmp_path, settings, media):
    require(bool(django_settings.REDIS_URL), "needs Redis (run scripts/test.sh)")
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    db = connection.settings_dict
    pg = Outage(int(db["PORT"]))
    redis_url = urlsplit(django_settings.REDIS_URL)
    rd = Outage(int(redis_url.port or 6379))
    movie = media_ingest(path=media.movie).media_file
    short_id = movie.title.short_id
    overrides = {
        "DATABASE_URL": f"postgres://{db['USER']}@127.0.0.1:{pg.port}/{db['NAME']}",
        "REDIS_URL": f"redis://127.0.0.1:{rd.port}{redis_url.path or '/0'}",
        "REDIS_RETRY_SECONDS": "2",  # its fallback window, shorter than the default 5
    }
    try:
        # The movie's bytes are in this test's vault, which the topology's processes use too.
        with running_topology(tmp_path, settings, **overrides) as (client, env, _, proc):
            load = Load(str(client.base_url), ["/api/titles/", f"/api/titles/{short_id}/"])
            load.start()
            try:
                assert {s for _, s, _ in load.during(1)} == {200}

                rd.down()
                redis_away = load.during(5)  # two of REDIS_RETRY_SECONDS and more
                rd.up()
                assert redis_away, "no request ran while Redis was away"
                assert {s for _, s, _ in redis_away} <= {200}, redis_away[-5:]
                _alive(proc)

                pg.down()
                pg_away = load.during(6)
                pg.up()
                statuses = {s for _, s, _ in pg_away}
                assert 500 not in statuses and -1 not in statuses, pg_away[-5:]
                refused = [(p, s, ra) for p, s, ra in pg_away if s == 503]
                assert refused, f"the API never said 503 without its database: {statuses}"
                assert all(ra.isdigit() for _, _, ra in refused), refused[:3]
                _alive(proc)

                wait_for(
                    lambda: {s for _, s, _ in load.during(1)} == {200},
                    timeout=30,
                    what="the API serving again",
                )
            finally:
                load.stopped.set()
                load.join(10)
            _alive(proc)
            _serving_again(client, env, movie, short_id)
            _alive(proc)
    finally:
        pg.close()
        rd.close()


def _serving_again(client, env, movie, short_id) -> None:
    # The stream process: a signed range (its own lookups, through the cut database).
    stream = signed(f"/s/{movie.file_hash}")
    r = client.get(stream, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and len(r.content) == 100
    # The bot: it answers on the fake gateway after its Redis came back.
    bot = redis.Redis.from_url(env["REDIS_URL"])
    bot.delete("bot:fake:outbox")
    bot.rpush("bot:fake:inbox", json.dumps({"user_id": 4343, "first_name": "B", "text": "/start"}))
    reply = bot.blpop(["bot:fake:outbox"], 30)
    assert reply is not None and json.loads(reply[1])["chat_id"] == 4343
    # The workers: a report made now is triaged by the default worker.
    report, _ = services.report_create(
        actor=UserFactory(),
        title=Title.objects.get(short_id=short_id),
        media_file=movie,
        issue="dead_link",
    )
    wait_for(
        lambda: Report.objects.get(pk=report.pk).checked_at is not None,
        timeout=60,
        what="the report triaged by a worker",
    )
