"""Jobs through real Celery workers on real Redis and PostgreSQL: a worker killed with -9 in
the middle of a step loses nothing and duplicates nothing; a FloodWait re-routes the job to
another account; transient errors back off and resume; the beat schedule exists."""

from __future__ import annotations

import pytest
from django.utils import timezone

from catalog.models import MediaFile, Title
from ingest.broadcast import broadcast_request
from ingest.models import Broadcast
from ingest.pipeline import ingest_url_create
from jobs.engine import job_requeue_stale
from jobs.models import Job, JobStatus
from swarm.models import Channel, Worker, WorkerStatus
from swarm.rotation import lease_store
from swarm.telegram.fake import fake_inject_flood, fake_sent
from swarm.workers import worker_set_session
from tests.factories import TitleFactory
from tests.support.swarm import FileServe, Ticker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def test_kill_9_mid_download_then_restart_completes_exactly_once(
    media, swarm_workers, file_server, fake_telegram, settings
):
    settings.TMDB_API_KEY = ""
    serve = FileServe(media.movie, delay=0.25)  # ~64 KiB per 0.25 s: a download of seconds
    file_server.expect_request(f"/{media.movie.name}").respond_with_handler(serve)
    first = swarm_workers.start(queues="heavy")

    job = ingest_url_create(url=file_server.url_for(f"/{media.movie.name}"))
    wait_for(
        lambda: _job(job.pk).status == JobStatus.RUNNING and _job(job.pk).progress >= 5,
        timeout=60,
        what="the download to be under way",
    )
    swarm_workers.kill9(first)  # the worker and its pool children, mid-step, no cleanup
    killed = _job(job.pk)
    assert killed.status == JobStatus.RUNNING and killed.steps_done == []
    assert 5 <= killed.progress < 40

    swarm_workers.start(queues="heavy")
    # The beat sweep (here a ticker) sees the stale heartbeat and re-queues the job.
    sweep = Ticker(lambda: job_requeue_stale(stale_seconds=2), every=0.5)
    sweep.start()
    try:
        wait_for(
            lambda: _job(job.pk).status in (JobStatus.DONE, JobStatus.FAILED),
            timeout=120,
            what="the job to finish after the restart",
        )
    finally:
        sweep.stopped.set()
        sweep.join(5)

    done = _job(job.pk)
    assert done.status == JobStatus.DONE, done.last_error
    assert done.attempts == 2
    assert done.steps_done.count("attach") == 1
    # The second attempt resumed the partial download with a Range request.
    assert serve.ranges[0] == "" and serve.ranges[-1].startswith("bytes=")
    assert done.state["source"]["resumed_from"] > 0
    assert MediaFile.objects.count() == 1
    assert Title.objects.count() == 1
    assert MediaFile.objects.get().file_hash == done.state["sha256"]


def test_flood_wait_parks_the_account_and_reroutes_the_job(swarm_workers, fake_telegram):
    Channel.objects.create(name="Updates", kind=Channel.Kind.PUBLIC_UPDATES, chat_id=-1001)
    w1 = Worker.objects.create(name="w1")
    w2 = Worker.objects.create(name="w2")
    for w in (w1, w2):
        worker_set_session(worker=w, session_string=f"session-{w.name}")
    fake_inject_flood(worker_id=w1.pk, seconds=30)
    # w2 carries one operation already, so the least-loaded pick is w1 (the flooded one).
    held, _ = lease_store().acquire([(str(w2.pk), 3)], ttl=120)
    assert held is not None
    swarm_workers.start(queues="telegram", pool="threads", concurrency=2)

    title = TitleFactory(title="Flooded Film", year=2022)
    job = broadcast_request(title=title)
    wait_for(lambda: _job(job.pk).status == JobStatus.DONE, timeout=60, what="the broadcast")

    done = _job(job.pk)
    assert done.worker_id == w2.pk
    assert done.attempts == 1  # a flood wait is not the job's fault: no attempt used
    w1.refresh_from_db()
    assert w1.status == WorkerStatus.FLOOD_WAIT
    left = (w1.flood_wait_until - timezone.now()).total_seconds()
    assert 20 < left <= 30
    assert lease_store().parked_ms(str(w1.pk)) > 20_000
    cards = [m for m in fake_sent() if m["op"] == "photo"]
    assert [(c["worker_id"], c["chat_id"]) for c in cards] == [(w2.pk, -1001)]
    assert Broadcast.objects.get(title=title).message_id == cards[0]["message_id"]
    lease_store().release(held.account, held.lease_id)


def test_transient_error_backs_off_and_resumes_the_download(
    media, swarm_workers, file_server, fake_telegram, settings
):
    """The source drops the connection half-way: the job is re-queued with a countdown and
    the next attempt continues with Range from where the first stopped."""
    settings.TMDB_API_KEY = ""
    size = media.movie.stat().st_size
    serve = FileServe(media.movie, drop_after=size // 2)
    file_server.expect_request(f"/{media.movie.name}").respond_with_handler(serve)
    swarm_workers.start(queues="heavy", JOB_BACKOFF_BASE="1")

    job = ingest_url_create(url=file_server.url_for(f"/{media.movie.name}"))
    wait_for(
        lambda: _job(job.pk).status in (JobStatus.DONE, JobStatus.FAILED),
        timeout=90,
        what="the job to finish",
    )
    done = _job(job.pk)
    assert done.status == JobStatus.DONE, done.last_error
    assert done.attempts == 2
    resumed = done.state["source"]["resumed_from"]
    assert 0 < resumed <= size // 2
    assert serve.ranges == ["", f"bytes={resumed}-"]
    assert MediaFile.objects.get().size_bytes == size


def test_leech_404_fails_with_the_reason_and_attaches_nothing(
    swarm_workers, file_server, fake_telegram
):
    file_server.expect_request("/gone.mkv").respond_with_data("no such file", status=404)
    swarm_workers.start(queues="heavy")
    job = ingest_url_create(url=file_server.url_for("/gone.mkv"))
    wait_for(lambda: _job(job.pk).status == JobStatus.FAILED, timeout=60, what="the failure")
    failed = _job(job.pk)
    assert failed.last_error.startswith("HTTP 404")
    assert failed.attempts == 1  # permanent: no retry
    assert not MediaFile.objects.exists() and not Title.objects.exists()
