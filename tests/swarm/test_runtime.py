"""The Telegram runtime (one loop per process, accounts locked to one process), the beat
schedule, the broadcast's exactly-once, the wishlist matcher and alert forwarding."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from accounts.models import WishlistEntry
from accounts.selectors import request_matches, wishlist_matches
from core.models import AdminAlert
from ingest.broadcast import broadcast_request
from ingest.models import Broadcast
from jobs.models import Job, JobStatus
from jobs.services import job_retry
from swarm.jobs import CHANNEL_POST, alerts_forward
from swarm.models import Channel, Worker
from swarm.telegram.fake import fake_sent
from swarm.telegram.runtime import TelegramRuntime
from swarm.workers import worker_set_session
from tests.conftest import _redis_ok, require
from tests.factories import TitleFactory, UserFactory


@pytest.mark.django_db
def test_an_account_is_held_by_one_process_only(fake_telegram):
    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    workers = [Worker.objects.create(name=f"w{n}") for n in range(3)]
    for w in workers:
        worker_set_session(worker=w, session_string=f"s{w.pk}")
    Worker.objects.create(name="no-session")  # never started
    first, second = TelegramRuntime("ingest"), TelegramRuntime("ingest")  # two "processes"
    try:
        first.start()
        assert first.owned_ids() == {w.pk for w in workers}
        second.start()
        assert second.owned_ids() == set()  # every session is locked by the first
        first.stop()  # its locks are released on shutdown
        assert second.refresh(force=True) == {w.pk for w in workers}
    finally:
        first.stop()
        second.stop()


@pytest.mark.django_db
def test_runtime_runs_coroutines_on_its_loop(fake_telegram):
    Channel.objects.create(name="Updates", kind=Channel.Kind.PUBLIC_UPDATES, chat_id=-100)
    worker = Worker.objects.create(name="w")
    worker_set_session(worker=worker, session_string="s")
    rt = TelegramRuntime("ingest").start()
    try:
        message_id = rt.run(rt.gateway.send_message(worker.pk, -100, "hello"))
        assert fake_sent()[-1] == {
            "op": "message",
            "worker_id": worker.pk,
            "chat_id": -100,
            "text": "hello",
            "message_id": message_id,
        }
    finally:
        rt.stop()


@pytest.mark.django_db
def test_the_sweeps_are_scheduled_in_django_celery_beat():
    for name in ("jobs.tasks.requeue_stale_jobs", "swarm.tasks.swarm_housekeeping"):
        task = PeriodicTask.objects.get(task=name)
        assert task.enabled and (task.interval.every, task.interval.period) == (30, "seconds")


@pytest.mark.django_db(transaction=True)
def test_broadcast_is_sent_once_per_title_whatever_retries_do(fake_telegram):
    Channel.objects.create(name="Updates", kind=Channel.Kind.PUBLIC_UPDATES, chat_id=-1001)
    worker = Worker.objects.create(name="w")
    worker_set_session(worker=worker, session_string="s")
    title = TitleFactory(title="Once Only", year=2020)
    job = broadcast_request(title=title)
    assert broadcast_request(title=title) is None  # sent already: nothing queued
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)  # an admin retries it
    assert job_retry(job=Job.objects.get(pk=job.pk), actor="test")
    assert Job.objects.get(pk=job.pk).state["result"] == {
        "already_sent": Broadcast.objects.get(title=title).message_id
    }
    cards = [m for m in fake_sent() if m["op"] == "photo"]
    assert len(cards) == 1 and "Once Only (2020)" in cards[0]["caption"]
    processing = TitleFactory(title="Not Yet", status="processing")
    assert broadcast_request(title=processing) is None  # only published titles


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("avengers endgame", True),
        ("endgame avengers", True),
        ("avengers endgme", True),
        ("avengers endgame 2019", True),
        ("avengers endgame 2012", False),
        ("avengers", False),
        ("the matrix", False),
    ],
)
@pytest.mark.django_db
def test_wishlist_request_matching(query, matches):
    title = TitleFactory(title="Avengers: Endgame", year=2019)
    assert request_matches(query, title) is matches


@pytest.mark.django_db
def test_wishlist_matches_saved_and_requested_entries():
    title = TitleFactory(title="Avengers: Endgame", year=2019)
    saver, asker, other = UserFactory(), UserFactory(), UserFactory()
    WishlistEntry.objects.create(user=saver, title=title)
    WishlistEntry.objects.create(
        user=asker, query="Avengers Endgame", query_clean="avengers endgame", status="requested"
    )
    WishlistEntry.objects.create(
        user=other, query="Frozen", query_clean="frozen", status="requested"
    )
    saved, requests = wishlist_matches(title=title)
    assert [e.user for e in saved] == [saver] and [e.user for e in requests] == [asker]


@pytest.mark.django_db(transaction=True)
def test_unsent_alerts_are_forwarded_once(fake_telegram):
    worker = Worker.objects.create(name="w")
    worker_set_session(worker=worker, session_string="s")
    alert = AdminAlert.objects.create(kind="other", message="disk almost full")  # no channel yet
    Channel.objects.create(name="Alerts", kind=Channel.Kind.ADMIN_ALERTS, chat_id=-1004)
    assert alerts_forward() == 1
    alert.refresh_from_db()
    assert alert.sent_at is not None
    assert alerts_forward() == 0
    assert Job.objects.filter(kind=CHANNEL_POST).count() == 1
    assert [m["text"] for m in fake_sent()] == ["⚠️ disk almost full"]
