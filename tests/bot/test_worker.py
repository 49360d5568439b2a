"""The bot's job-starting buttons on a real Celery worker over real Redis (eager mode would
hide serialization bugs): a /takedown's execution, and a quarantine approval's ingest."""

from __future__ import annotations

import time

import pytest

from bot import handlers
from catalog.models import Title
from ingest.kinds import JobKind
from ingest.submissions import submission_create
from jobs.models import Job, JobStatus
from medic.models import Takedown
from swarm.models import Channel, Worker
from swarm.telegram.fake import fake_message_put
from swarm.workers import worker_set_session
from tests.bot.test_bot import channel_origin, deliver, media_message
from tests.factories import TitleFactory, UserFactory
from tests.medic.factories import stored_file
from tests.support.bot import FakeBotClient, bot_message, dispatch, press, text_message, tg_user
from tests.support.swarm import FileServe
from vault.backends.local import LocalBackend

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _wait_for(predicate, timeout=90.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker_env(monkeypatch, tmp_path):
    """Settings of the worker process (list before ``celery_worker``)."""
    monkeypatch.setenv("INGEST_WORK_DIR", str(tmp_path / "swarm-work"))
    monkeypatch.setenv("TMDB_API_KEY", "")


def test_a_takedown_from_the_bot_is_executed_by_a_worker(worker_env, celery_worker):
    admin = UserFactory(role="admin", is_superuser=True, is_staff=True)
    title = TitleFactory(title="Leaky Film")
    stored = stored_file(title)
    client, ada = FakeBotClient(), tg_user(admin)
    dispatch(client, text_message(client, ada, f"/takedown {title.short_id}"))
    press(client, ada, f"tdy|{title.pk}|dmca", bot_message(client))
    assert _wait_for(lambda: Takedown.objects.get(title=title).executed_at is not None)
    assert Takedown.objects.get(title=title).messages_results == {stored.file_hash: "deleted"}
    assert not LocalBackend().path(stored.ref).exists()
    assert Title.objects.get(pk=title.pk).status == "banned"


def test_an_approval_from_the_channel_is_ingested_by_a_worker(
    worker_env, celery_worker, media, file_server, fake_telegram
):
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")
    file_server.expect_request(f"/dl/{media.movie.name}").respond_with_handler(
        FileServe(media.movie)
    )
    submission = submission_create(
        user=UserFactory(), url=file_server.url_for(f"/dl/{media.movie.name}")
    )
    client = FakeBotClient()
    client.sent.append({"chat_id": -100333, "text": "📥 Submission", "markup": None})
    press(client, tg_user(UserFactory(role="admin")), f"sba|{submission.pk}", bot_message(client))
    job = Job.objects.get(kind=JobKind.INGEST_URL)
    assert _wait_for(
        lambda: Job.objects.get(pk=job.pk).status in (JobStatus.DONE, JobStatus.FAILED)
    )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    assert Title.objects.get().title == "Big Test Movie"


def test_a_forward_is_indexed_by_a_worker_and_the_link_sent(
    worker_env, celery_worker, media, fake_telegram, monkeypatch
):
    monkeypatch.setitem(handlers.FOLLOW, "poll_seconds", 0.2)
    monkeypatch.setitem(handlers.FOLLOW, "timeout_seconds", 90)
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")
    Channel.objects.create(name="Store", kind=Channel.Kind.STORAGE, chat_id=-1002)
    admin = UserFactory(role="admin")
    fake_message_put(chat_id=-100555, message_id=77, path=media.movie, file_name=media.movie.name)
    client = FakeBotClient()
    message = media_message(
        client, tg_user(admin), path=media.movie, origin=channel_origin(-100555, 77)
    )
    final = deliver(client, message)
    job = Job.objects.get(kind=JobKind.INGEST_FORWARD)
    assert job.status == JobStatus.DONE, job.last_error
    title = Title.objects.get()
    assert final.startswith("✅ Indexed: Big Test Movie (2021)")
    assert final.endswith(f"/title/{title.short_id}")
