"""The job machinery in one process: claiming, duplicate deliveries, steps recorded and
skipped, permanent/transient/requeue outcomes, the stale sweep, retry and cancel, secrets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import engine as jobs
from jobs import services
from jobs.engine import JobContext, PermanentError, Requeue, TransientError, job_handler, kinds
from jobs.models import Job, JobStatus
from swarm.crypto import SecretUnreadable, secret_decrypt, secret_encrypt
from swarm.models import Worker
from swarm.workers import worker_proxy, worker_session, worker_set_session

pytestmark = pytest.mark.django_db

CALLS: list[str] = []


def _job(**kw) -> Job:
    return Job.objects.create(
        kind=kw.pop("kind", "test_steps"), payload=kw.pop("payload", {}), **kw
    )


@job_handler("test_steps", label="Test steps")
def _steps(ctx: JobContext):
    for name in ("one", "two", "three"):
        if ctx.done(name):
            continue
        with ctx.step(name, progress={"one": 30, "two": 60, "three": 90}[name]):
            CALLS.append(name)
            ctx.state[name] = True
            fail = ctx.payload.get("fail_at")
            if fail == name:
                raise {"permanent": PermanentError, "transient": TransientError}[
                    ctx.payload["how"]
                ](f"{name} broke")
            if ctx.payload.get("requeue_at") == name:
                raise Requeue("flood", countdown=5)
    return {"ok": True}


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def test_a_job_runs_its_steps_and_records_them():
    job = _job()
    assert jobs.job_run(job_id=job.pk) == JobStatus.DONE
    job.refresh_from_db()
    assert job.steps_done == ["one", "two", "three"]
    assert job.state == {"one": True, "two": True, "three": True, "result": {"ok": True}}
    assert (job.progress, job.attempts, job.run_token) == (100, 1, "")
    assert CALLS == ["one", "two", "three"]


def test_a_second_delivery_claims_nothing():
    job = _job()
    jobs.job_run(job_id=job.pk)
    assert jobs.job_run(job_id=job.pk) == ""  # the redelivered message finds it done
    assert CALLS == ["one", "two", "three"]
    running = _job(status=JobStatus.RUNNING)
    assert jobs.job_run(job_id=running.pk) == ""  # someone else owns it


def test_transient_error_requeues_with_backoff_and_resumes_after_the_done_steps(settings):
    settings.JOB_BACKOFF_BASE = 10
    job = _job(payload={"fail_at": "two", "how": "transient"})
    assert jobs.job_run(job_id=job.pk) == JobStatus.QUEUED
    job.refresh_from_db()
    assert job.steps_done == ["one"] and job.attempts == 1
    assert "two broke" in job.last_error
    wait = (job.not_before - timezone.now()).total_seconds()
    assert 7 < wait <= 12  # base 10 s ± 20 % jitter
    # The next attempt skips the recorded step (the fault is gone now).
    Job.objects.filter(pk=job.pk).update(payload={}, not_before=None)
    assert jobs.job_run(job_id=job.pk) == JobStatus.DONE
    assert CALLS == ["one", "two", "two", "three"]
    job.refresh_from_db()
    assert job.attempts == 2


def test_backoff_doubles_and_is_capped(settings):
    settings.JOB_BACKOFF_BASE = 10
    settings.JOB_BACKOFF_MAX = 60
    assert 8 <= jobs.backoff_seconds(1) <= 12
    assert 32 <= jobs.backoff_seconds(3) <= 48
    assert jobs.backoff_seconds(10) <= 72


def test_transient_errors_give_up_after_max_attempts():
    job = _job(payload={"fail_at": "one", "how": "transient"}, max_attempts=2)
    jobs.job_run(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(not_before=None)
    assert jobs.job_run(job_id=job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.last_error.startswith("gave up: one broke") and job.attempts == 2


def test_permanent_error_fails_at_once():
    job = _job(payload={"fail_at": "three", "how": "permanent"})
    assert jobs.job_run(job_id=job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert (job.last_error, job.attempts, job.steps_done) == ("three broke", 1, ["one", "two"])


def test_requeue_does_not_use_an_attempt():
    job = _job(payload={"requeue_at": "one"})
    assert jobs.job_run(job_id=job.pk) == JobStatus.QUEUED
    job.refresh_from_db()
    assert job.attempts == 0 and job.not_before > timezone.now()


def test_a_bug_fails_the_job_with_its_traceback():
    job = _job(kind="no_such_kind")
    assert jobs.job_run(job_id=job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert "no handler" in job.last_error


def test_stale_sweep_requeues_dead_runs_and_fails_exhausted_ones():
    old = timezone.now() - timedelta(minutes=10)
    stale = _job(status=JobStatus.RUNNING, heartbeat_at=old, attempts=1, run_token="a")
    exhausted = _job(
        status=JobStatus.RUNNING, heartbeat_at=old, attempts=5, max_attempts=5, run_token="b"
    )
    fresh = _job(status=JobStatus.RUNNING, heartbeat_at=timezone.now(), run_token="c")
    assert jobs.job_requeue_stale(stale_seconds=60) == 1
    assert Job.objects.get(pk=stale.pk).status == JobStatus.QUEUED
    assert Job.objects.get(pk=exhausted.pk).status == JobStatus.FAILED
    assert Job.objects.get(pk=fresh.pk).status == JobStatus.RUNNING
    # The re-queued job resumes: a new claim, a new token.
    assert jobs.job_run(job_id=stale.pk) == JobStatus.DONE


def test_a_run_that_lost_its_job_stops_writing():
    job = _job()
    claimed, token = jobs.job_claim(job_id=job.pk)
    ctx = JobContext(claimed, token)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED, run_token="")
    with pytest.raises(jobs.JobLost):
        with ctx.step("one"):
            pass
    assert Job.objects.get(pk=job.pk).steps_done == []


def test_retry_and_cancel():
    job = _job(payload={"fail_at": "one", "how": "permanent"})
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert services.job_cancel(job=job, actor="test") is False  # already failed
    Job.objects.filter(pk=job.pk).update(payload={})
    assert services.job_retry(job=job, actor="test") is True
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.attempts == 0
    assert services.job_cancel(job=job, actor="test") is True
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED
    assert jobs.job_run(job_id=job.pk) == ""


def test_dedupe_key_gives_one_job():
    a = jobs.job_create(kind="test_steps", payload={}, dedupe_key="k1")
    b = jobs.job_create(kind="test_steps", payload={"x": 1}, dedupe_key="k1")
    assert a.pk == b.pk and Job.objects.filter(dedupe_key="k1").count() == 1


def test_sessions_are_encrypted_at_rest_and_never_in_repr():
    worker = Worker.objects.create(name="w")
    worker_set_session(worker=worker, session_string="BQAsecret", proxy="socks5://u:pw@h:1080")
    row = Worker.objects.get(pk=worker.pk)
    assert "BQAsecret" not in row.session_encrypted and "pw@" not in row.proxy_encrypted
    assert worker_session(worker=row) == "BQAsecret"
    assert worker_proxy(worker=row) == "socks5://u:pw@h:1080"
    assert "secret" not in repr(row) and "secret" not in str(row)


def test_key_rotation_and_unknown_keys(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SWARM_SESSION_KEYS = [old]
    token = secret_encrypt(plain="s")
    settings.SWARM_SESSION_KEYS = [new, old]  # rotated: the old key still decrypts
    assert secret_decrypt(token=token) == "s"
    settings.SWARM_SESSION_KEYS = [new]
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token=token)


def test_the_apps_register_their_kinds_with_labels_and_a_new_kind_needs_no_migration():
    registered = kinds()
    # Each owner registered its own: ingest's, the swarm's channel post, this module's.
    assert registered["ingest_url"] == "Ingest a URL"
    assert registered["channel_post"] == "Channel post"
    assert registered["test_steps"] == "Test steps"
    # A kind is not a database choice: jobs of a kind registered after the last migration
    # save and validate as any other.
    job = Job(kind="test_steps", payload={})
    job.full_clean()
    with pytest.raises(ValueError):
        job_handler("x" * 41, label="too long")
