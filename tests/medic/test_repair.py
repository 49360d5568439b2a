"""Every repair path: the vault still serves, another mirror serves, another quality keeps the
title watchable, a re-leech through the swarm (waiting, done, failed), and giving up."""

from __future__ import annotations

import hashlib

import pytest

from catalog import services as catalog
from catalog.models import FileStatus, MediaFile, Title
from core.models import AdminAlert, AuditEntry
from ingest.kinds import JobKind
from jobs.models import Job, JobStatus
from medic import integrations, services
from medic.models import Repair, RepairAttempt, Report
from medic.selectors import pending_reports_count
from medic.services import repair as repair_mod
from tests.factories import TitleFactory, UserFactory, add_file
from tests.medic.factories import movie_with_mirrors, report_on, stored_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast(settings):
    settings.MEDIC_CHECK_TIMEOUT = 0.5
    settings.MEDIC_CHECK_HOST_DELAY = 0.0


def _open(f, *, needs_new_bytes=False, captured=None):
    return services.repair_open(
        title=f.title, media_file=f, reason="test", needs_new_bytes=needs_new_bytes
    )


def _outcomes(repair):
    return list(RepairAttempt.objects.filter(repair=repair).values_list("strategy", "outcome"))


def test_dead_mirror_but_readable_vault_is_fixed_and_reporters_told(
    web, django_capture_on_commit_callbacks
):
    web.expect_request("/gone").respond_with_data("", status=404)
    title, f = movie_with_mirrors(web.url_for("/gone"))
    reports = [report_on(f, user=UserFactory()) for _ in range(2)]
    title_level, _ = services.report_create(actor=UserFactory(), title=title, issue="dead_link")
    with django_capture_on_commit_callbacks(execute=False):
        repair = _open(f)
    assert Title.objects.get(pk=title.pk).status == "repairing"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.repair_step(repair_id=repair.pk) == repair_mod.SUCCEEDED
    assert len(callbacks) >= 3  # one DM task per fixed report (run by hand below)
    repair.refresh_from_db()
    assert repair.status == "succeeded"
    assert ("other_mirror", "succeeded") in _outcomes(repair)
    assert Title.objects.get(pk=title.pk).status == "available"
    for r in [*reports, title_level]:
        r.refresh_from_db()
        assert r.status == "fixed"
        assert services.report_notify(report=r) is True
        assert services.report_notify(report=r) is False
    dms = Job.objects.filter(kind=JobKind.NOTIFY_USER)
    assert sorted(j.payload["user_id"] for j in dms) == sorted(
        r.reported_by_id for r in [*reports, title_level]
    )
    # Idempotent: another pass finds nothing open.
    assert services.repair_step(repair_id=repair.pk) == repair_mod.GONE


def test_backend_not_reachable_here_but_another_mirror_serves(web, settings):
    web.expect_request("/alive").respond_with_data("", status=200)
    title = TitleFactory()
    f = add_file(title, backend="telegram", ref="-100:5")  # no Telegram account in this process
    catalog.mirrors_set(media_file=f, mirrors=[{"host": "m", "url": web.url_for("/alive")}])
    repair = _open(f)
    assert services.repair_step(repair_id=repair.pk) == repair_mod.SUCCEEDED
    assert RepairAttempt.objects.get(repair=repair, outcome="succeeded").detail == "live on m"


def test_dead_file_other_quality_mitigates_then_releech_is_unavailable_then_gives_up(settings):
    settings.MEDIC_REPAIR_MAX_ROUNDS = 2
    title = TitleFactory()
    dead = add_file(title, quality="1080p", ref="0" * 64)
    stored_file(title, quality="720p")
    report = report_on(dead)
    repair = _open(dead)
    Report.objects.filter(pk=report.pk).update(status="repairing")
    assert services.repair_step(repair_id=repair.pk) == repair_mod.RETRY
    assert MediaFile.objects.get(pk=dead.pk).status == FileStatus.DEAD
    outcomes = _outcomes(repair)
    assert ("other_quality", "mitigated") in outcomes
    assert ("other_mirror", "failed") in outcomes
    assert ("releech", "unavailable") in outcomes  # no backup URL, no live mirror
    # The document hides the dead file and keeps the 720p.
    doc = Title.objects.get(pk=title.pk).document
    assert [x["quality"] for x in doc["files"]] == ["720p"]
    assert services.repair_step(repair_id=repair.pk) == repair_mod.GAVE_UP
    repair.refresh_from_db()
    assert repair.status == "failed" and "after 2 rounds" in repair.reason
    assert Title.objects.get(pk=title.pk).status == "repairing"
    # Nothing left to try: the report asks a human (shown in the queue), with the reason, and
    # the reporter is told it did not fix itself.
    report.refresh_from_db()
    assert report.status == "needs_human"
    assert "gave up" in report.resolution_notes and "after 2 rounds" in report.resolution_notes
    told = Job.objects.get(kind="notify_user", payload__user_id=report.reported_by_id)
    assert "moderator" in told.payload["text"]
    assert AuditEntry.objects.filter(action="report_needs_human", target_id=str(report.pk)).exists()
    assert pending_reports_count() >= 1  # the admin badge counts it
    alert = AdminAlert.objects.get()
    assert title.short_id in alert.message


@pytest.fixture
def swarm_env(settings, tmp_path):
    settings.INGEST_WORK_DIR = tmp_path / "swarm-work"
    settings.TMDB_API_KEY = ""


@pytest.fixture
def telegram():
    """The swarm's fake Telegram, emptied before and after; this process's runtime restarted
    (a runtime started by an earlier test looks for new accounts only every 30 s)."""
    from swarm.telegram.fake import fake_reset
    from swarm.telegram.runtime import runtimes_stop

    runtimes_stop()
    fake_reset()
    yield
    runtimes_stop()
    fake_reset()


@pytest.mark.django_db(transaction=True)  # eager Celery: each job runs when its row commits
def test_releech_through_the_swarm_replaces_the_bytes_and_fixes(web, tiny_video, swarm_env):
    """The real entry point: the repair queues a swarm ``releech`` job from the backup URL, the
    job puts new bytes behind the same MediaFile, and the repair's next pass finds them."""
    web.expect_request("/backup.mkv").respond_with_data(
        tiny_video.read_bytes(), content_type="video/x-matroska"
    )
    title = TitleFactory()
    f = add_file(title, ref="0" * 64, backup_url=web.url_for("/backup.mkv"))
    report = report_on(f)
    repair = _open(f)  # the first pass ran on commit: it queued (and ran) the re-leech
    repair.refresh_from_db()
    job = Job.objects.get(pk=repair.job_id)
    assert (job.kind, job.status, repair.job_strategy) == ("releech", "done", "releech")
    assert job.payload == {"media_file_id": f.pk, "url": web.url_for("/backup.mkv")}
    assert ("releech", "waiting") in _outcomes(repair)

    assert services.repair_step(repair_id=repair.pk) == repair_mod.SUCCEEDED
    fixed = MediaFile.objects.get(pk=f.pk)
    assert fixed.file_hash == hashlib.sha256(tiny_video.read_bytes()).hexdigest()
    assert fixed.ref == fixed.file_hash and fixed.status == "active"
    assert MediaFile.objects.count() == 1
    assert ("releech", "succeeded") in _outcomes(repair)
    assert Title.objects.get(pk=title.pk).status == "available"
    report.refresh_from_db()
    assert report.status == "fixed"


@pytest.mark.django_db(transaction=True)
def test_releech_from_the_original_ingest_source(web, tiny_video, swarm_env):
    """The file was ingested from a URL (a real ``ingest_url`` job against pytest-httpserver),
    has no backup URL, its only mirror is dead and its bytes are lost: the repair re-leeches
    from the URL it was ingested from."""
    from ingest.pipeline import ingest_url_create
    from vault.backends.local import LocalBackend

    web.expect_request("/Old.Film.2019.720p.mkv").respond_with_data(
        tiny_video.read_bytes(), content_type="video/x-matroska"
    )
    web.expect_request("/gone").respond_with_data("", status=404)
    origin = web.url_for("/Old.Film.2019.720p.mkv")
    ingest = Job.objects.get(pk=ingest_url_create(url=origin).pk)
    assert ingest.status == "done", ingest.last_error
    f = MediaFile.objects.get(pk=ingest.state["result"]["media_file_id"])
    assert f.backup_url == ""
    catalog.mirrors_set(media_file=f, mirrors=[{"host": "gone", "url": web.url_for("/gone")}])
    LocalBackend().path(f.ref).unlink()  # the bytes are lost
    report = report_on(f)
    repair = _open(f)  # the first pass ran on commit: it queued (and ran) the re-leech
    repair.refresh_from_db()
    job = Job.objects.get(pk=repair.job_id)
    assert (job.kind, job.status) == ("releech", "done")
    assert job.payload == {"media_file_id": f.pk, "url": origin}
    assert repair.sources_tried == [origin]

    assert services.repair_step(repair_id=repair.pk) == repair_mod.SUCCEEDED
    assert ("releech", "succeeded") in _outcomes(repair)
    fixed = MediaFile.objects.get(pk=f.pk)
    assert fixed.status == "active" and LocalBackend().path(fixed.ref).exists()
    assert fixed.file_hash == hashlib.sha256(tiny_video.read_bytes()).hexdigest()
    assert MediaFile.objects.count() == 1
    report.refresh_from_db()
    assert report.status == "fixed"


@pytest.mark.parametrize(
    ("backup_status", "origin_status", "leeched_from"),
    [(404, 200, "/origin.mkv"), (200, 200, "/backup.mkv"), (404, 404, None)],
    ids=["dead-backup-live-origin", "backup-first", "nothing-live"],
)
def test_releech_source_order(web, backup_status, origin_status, leeched_from):
    """A live backup URL comes before the original ingest source; a dead one is not leeched
    (the source is passed by name, not left to the swarm's backup-URL default); with neither
    live, the re-leech is unavailable and says why."""
    web.expect_request("/backup.mkv").respond_with_data("", status=backup_status)
    web.expect_request("/origin.mkv").respond_with_data("", status=origin_status)
    f = add_file(TitleFactory(), ref="0" * 64, backup_url=web.url_for("/backup.mkv"))
    origin = web.url_for("/origin.mkv")
    Job.objects.create(  # the done URL ingest that attached the file (docs/swarm.md)
        kind=JobKind.INGEST_URL,
        status=JobStatus.DONE,
        payload={"url": origin},
        state={"media_file_id": f.pk, "result": {"media_file_id": f.pk}},
    )
    repair = _open(f)
    step = services.repair_step(repair_id=repair.pk)
    releech = list(Job.objects.filter(kind=JobKind.RELEECH))
    if leeched_from is None:
        assert step == repair_mod.RETRY and releech == []
        assert RepairAttempt.objects.get(repair=repair, strategy="releech").detail == (
            "no live source: backup URL dead (HTTP 404); no live mirror; "
            f"original source {origin} dead (HTTP 404)"
        )
    else:
        assert step == repair_mod.WAITING
        url = web.url_for(leeched_from)
        assert [j.payload for j in releech] == [{"media_file_id": f.pk, "url": url}]
        waiting = RepairAttempt.objects.get(repair=repair, strategy="releech")
        assert (waiting.outcome, waiting.detail) == (
            "waiting",
            f"swarm job {releech[0].pk} from {url}",
        )


@pytest.mark.django_db(transaction=True)
def test_failed_releech_job_moves_on(web, settings, swarm_env):
    """The backup host answers HEAD but refuses the download: the swarm job fails with the
    reason and the repair's pass ends without a fix (the URL was tried this round)."""
    settings.MEDIC_REPAIR_MAX_ROUNDS = 5
    web.expect_request("/backup", method="HEAD").respond_with_data("", status=200)
    web.expect_request("/backup", method="GET").respond_with_data("no", status=403)
    title = TitleFactory()
    f = add_file(title, ref="0" * 64, backup_url=web.url_for("/backup"))
    repair = _open(f)
    repair.refresh_from_db()
    assert Job.objects.get(pk=repair.job_id).status == "failed"
    assert services.repair_step(repair_id=repair.pk) == repair_mod.RETRY
    assert RepairAttempt.objects.get(
        repair=repair, outcome="failed", strategy="releech"
    ).detail.startswith("swarm job failed: HTTP 403")
    f.refresh_from_db()
    assert (f.ref, f.status) == ("0" * 64, "dead")


def _telegram_file(tmp_path, *, file_hash: str | None = None):
    """A Telegram file whose storage message (-1002:5) is in the (fake) storage channel, an
    ingest account to copy it, and no live link: only a re-copy can repair it."""
    from swarm.models import Channel, Worker
    from swarm.telegram.fake import fake_message_put
    from swarm.workers import worker_set_session

    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="s")
    Channel.objects.create(name="Store", kind=Channel.Kind.STORAGE, chat_id=-1002)
    content = tmp_path / "bytes.bin"
    content.write_bytes(b"stored movie bytes" * 1000)
    fake_message_put(chat_id=-1002, message_id=5, path=content)
    f = add_file(
        TitleFactory(),
        backend="telegram",
        ref="-1002:5",
        file_hash=file_hash or hashlib.sha256(content.read_bytes()).hexdigest(),
    )
    return f, worker


@pytest.mark.django_db(transaction=True)
def test_recopy_through_the_swarm_moves_the_file_and_the_verified_copy_is_a_fix(
    tmp_path, swarm_env, telegram
):
    """A Telegram file with no live link: the repair queues the swarm's ``recopy`` job, which
    copies its storage message through the (fake) gateway, checks the copy's SHA-256 and points
    the file at it. No ``telegram`` vault backend runs in this process, so the next pass cannot
    read the file: the job's verified hash is the proof, and the repair succeeds."""
    from swarm.telegram.fake import fake_sent
    from swarm.telegram.runtime import runtimes_stop

    f, worker = _telegram_file(tmp_path)
    report = report_on(f)
    repair = _open(f)
    repair.refresh_from_db()
    assert repair.job_strategy == "recopy"
    job = Job.objects.get(pk=repair.job_id)
    assert (job.kind, job.status) == ("recopy", "done")
    outcomes = _outcomes(repair)
    assert ("releech", "unavailable") in outcomes  # no backup URL, no mirror, no ingest source
    assert ("recopy", "waiting") in outcomes
    f.refresh_from_db()
    copy = [m for m in fake_sent() if m["op"] == "copy"]
    assert [(m["chat_id"], m["source"]) for m in copy] == [(-1002, [-1002, 5])]
    assert f.ref == f"-1002:{copy[0]['message_id']}" and f.status == "active"
    assert job.worker_id == worker.pk

    # Eager Celery ran the job here, whose ingest runtime registered a ``telegram`` backend;
    # the medic's own process holds no Telegram account.
    runtimes_stop()
    assert integrations.vault_probe(backend="telegram", ref=f.ref).ok is None  # cannot tell
    assert services.repair_step(repair_id=repair.pk) == repair_mod.SUCCEEDED
    repair.refresh_from_db()
    assert repair.status == "succeeded" and repair.job_id is None
    detail = RepairAttempt.objects.get(repair=repair, outcome="succeeded").detail
    assert detail.startswith(f"swarm job {job.pk} verified the bytes at {f.ref}")
    assert f.file_hash[:16] in detail
    assert ("recopy", "failed") not in _outcomes(repair)
    assert Title.objects.get(pk=f.title_id).status == "available"
    report.refresh_from_db()
    assert report.status == "fixed"


@pytest.mark.django_db(transaction=True)
def test_failed_recopy_job_is_a_failed_attempt(tmp_path, swarm_env, telegram, settings):
    """The storage message carries other bytes than the file's hash: the swarm's ``verify``
    step fails the job, and the repair records the failure and keeps the file as it was."""
    from swarm.telegram.runtime import runtimes_stop

    settings.MEDIC_REPAIR_MAX_ROUNDS = 5
    f, _ = _telegram_file(tmp_path, file_hash=hashlib.sha256(b"other bytes").hexdigest())
    repair = _open(f)
    repair.refresh_from_db()
    job = Job.objects.get(pk=repair.job_id)
    assert (job.kind, job.status) == ("recopy", "failed")
    runtimes_stop()  # the medic's process holds no Telegram account (see above)
    assert services.repair_step(repair_id=repair.pk) == repair_mod.RETRY
    failed = RepairAttempt.objects.get(repair=repair, strategy="recopy", outcome="failed")
    assert failed.detail.startswith("swarm job failed: ") and "other bytes" in failed.detail
    assert not RepairAttempt.objects.filter(repair=repair, outcome="succeeded").exists()
    repair.refresh_from_db()
    assert (repair.status, repair.rounds) == ("open", 1)
    f.refresh_from_db()
    assert f.ref == "-1002:5"
    assert Title.objects.get(pk=f.title_id).status == "repairing"


@pytest.mark.django_db(transaction=True)
def test_recopy_is_unavailable_for_a_file_outside_telegram(swarm_env):
    title = TitleFactory()
    f = add_file(title, ref="0" * 64)
    repair = _open(f)
    attempt = RepairAttempt.objects.get(repair=repair, strategy="recopy")
    assert attempt.outcome == "unavailable"
    assert "No Telegram message carries this file" in attempt.detail
    assert not Job.objects.filter(kind__in=["releech", "recopy"]).exists()


def test_content_problem_is_not_fixed_by_a_live_mirror(web):
    """Wrong audio: the live mirror is a re-leech source, never a fix by itself; a re-copy
    (the same bytes) is not tried."""
    web.expect_request("/alive").respond_with_data("", status=200)
    _title, f = movie_with_mirrors(web.url_for("/alive"))
    repair = _open(f, needs_new_bytes=True)
    assert services.repair_step(repair_id=repair.pk) == repair_mod.WAITING
    outcomes = _outcomes(repair)
    assert ("other_mirror", "succeeded") not in outcomes
    assert ("releech", "waiting") in outcomes
    assert not [o for o in outcomes if o[0] == "recopy"]
    repair.refresh_from_db()
    job = Job.objects.get(pk=repair.job_id)
    assert job.kind == "releech" and job.payload["url"] == web.url_for("/alive")


def test_repair_open_is_idempotent():
    title = TitleFactory()
    f = add_file(title)
    a = _open(f)
    b = _open(f, needs_new_bytes=True)
    assert a.pk == b.pk
    assert Repair.objects.get(pk=a.pk).needs_new_bytes is True
    assert Repair.objects.filter(media_file=f).count() == 1
