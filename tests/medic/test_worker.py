"""The closed loop with no human: a report on a dead mirror goes pending → repairing → fixed
on a real Celery worker over real Redis, and the reporter gets exactly one DM."""

from __future__ import annotations

import time

import pytest

from catalog.models import DownloadMirror, Title
from core.models import AuditEntry
from ingest.kinds import JobKind
from jobs.models import Job
from medic import services
from medic.models import Repair, Report
from swarm.telegram.fake import fake_reset, fake_sent
from tests.factories import UserFactory
from tests.medic.factories import movie_with_mirrors


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _report_until_fixed(*, reporter, title, media_file, timeout: float = 60.0):
    """The reporter reports a dead link on the file; wait until the report is fixed. Returns
    the report and every status it was seen in."""
    seen: list[str] = []

    def status() -> str | None:
        s = Report.objects.filter(reported_by=reporter).values_list("status", flat=True).first()
        if s and (not seen or seen[-1] != s):
            seen.append(s)
        return s

    report, created = services.report_create(
        actor=reporter, title=title, media_file=media_file, issue="dead_link"
    )
    assert created
    status()
    assert _wait_for(lambda: status() == "fixed", timeout=timeout), f"stuck at {seen}"
    return report, seen


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_report_on_a_dead_mirror_is_fixed_and_the_reporter_told(celery_worker, web):
    fake_reset()
    web.expect_request("/gone").respond_with_data("", status=404)
    web.expect_request("/alive").respond_with_data("", status=200)
    title, f = movie_with_mirrors(web.url_for("/gone"), web.url_for("/alive"))
    reporter = UserFactory(telegram_id=777000111)
    report, _ = _report_until_fixed(reporter=reporter, title=title, media_file=f)
    report.refresh_from_db()
    assert report.auto_fix_attempted
    assert report.check_result["verdict"] == "broken"
    assert DownloadMirror.objects.get(url=web.url_for("/gone")).status == "dead"
    assert Title.objects.get(pk=title.pk).status == "available"
    assert Repair.objects.get(media_file=f).status == "succeeded"
    # The history shows every step, all by the automatic loop.
    actions = list(
        AuditEntry.objects.filter(actor__isnull=True)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "repair_open",
        "report_start_repair",
        "repair_succeeded",
        "report_mark_fixed",
    ]
    # One DM, through the swarm's job and (fake) Telegram gateway.
    assert _wait_for(lambda: Report.objects.get(pk=report.pk).notified_at is not None)
    assert _wait_for(
        lambda: [m for m in fake_sent() if m.get("chat_id") == reporter.telegram_id]
    ), fake_sent()
    dms = [m for m in fake_sent() if m.get("chat_id") == reporter.telegram_id]
    assert len(dms) == 1 and "fixed" in dms[0]["text"]
    assert Job.objects.filter(kind=JobKind.NOTIFY_USER).count() == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_beat_tasks_on_a_worker(celery_worker, web, settings):
    """links_health_batch finds a dead mirror and opens a repair; repairs_resume runs an open
    repair nobody touched, which closes it."""
    from medic import tasks

    web.expect_request("/gone").respond_with_data("", status=404)
    title, f = movie_with_mirrors(web.url_for("/gone"))
    tasks.links_health_batch.delay()
    assert _wait_for(lambda: DownloadMirror.objects.get(media_file=f).status == "dead")
    # The repair it opened runs on the worker: the vault still has the bytes.
    assert _wait_for(lambda: Repair.objects.filter(media_file=f, status="succeeded").exists())
    assert Title.objects.get(pk=title.pk).status == "available"
    # A repair left open (a lost message): the resume task picks it up.
    _, g = movie_with_mirrors(web.url_for("/gone"))
    stale = Repair.objects.create(title=g.title, media_file=g, reason="lost")
    Repair.objects.filter(pk=stale.pk).update(updated_at=stale.created_at.replace(year=2000))
    tasks.repairs_resume.delay()
    assert _wait_for(lambda: Repair.objects.get(pk=stale.pk).status == "succeeded")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_takedown_execute_on_a_worker(celery_worker):
    from catalog.models import Title as TitleModel
    from medic.models import Takedown
    from tests.factories import StaffFactory, TitleFactory
    from tests.medic.factories import stored_file
    from vault.backends.local import LocalBackend

    title = TitleFactory()
    f = stored_file(title)
    services.title_takedown(title=title, actor=StaffFactory(), reason="DMCA")
    assert _wait_for(lambda: Takedown.objects.get(title=title).executed_at is not None)
    assert Takedown.objects.get(title=title).messages_results == {f.file_hash: "deleted"}
    assert not LocalBackend().path(f.ref).exists()
    assert TitleModel.objects.get(pk=title.pk).status == "banned"


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_report_on_a_dead_file_is_fixed_by_a_releech_on_a_worker(
    releech_worker_env, celery_worker, web, tiny_video
):
    """The stored bytes are gone and no mirror serves: the repair re-leeches the backup URL
    through the swarm (a real ``releech`` job on the heavy queue of the same worker), the new
    bytes replace the old ones behind the same MediaFile, and the reporter gets one DM."""
    import hashlib

    from catalog.models import MediaFile
    from tests.factories import TitleFactory, add_file

    fake_reset()
    served = tiny_video.read_bytes()
    web.expect_request("/backup/Old.Film.2019.720p.mkv").respond_with_data(
        served, content_type="video/x-matroska"
    )
    title = TitleFactory()
    f = add_file(
        title,
        quality="720p",
        ref="0" * 64,  # nothing in the vault behind it
        backup_url=web.url_for("/backup/Old.Film.2019.720p.mkv"),
    )
    reporter = UserFactory(telegram_id=777000222)
    _, seen = _report_until_fixed(reporter=reporter, title=title, media_file=f, timeout=120)
    assert seen[-2:] == ["repairing", "fixed"]

    repair = Repair.objects.get(media_file=f)
    assert repair.status == "succeeded"
    releech = Job.objects.get(kind=JobKind.RELEECH)
    assert releech.status == "done", releech.last_error
    assert releech.payload == {"media_file_id": f.pk, "url": f.backup_url}
    fixed = MediaFile.objects.get(pk=f.pk)
    assert fixed.file_hash == hashlib.sha256(served).hexdigest()
    assert (fixed.ref, fixed.status, fixed.quality) == (fixed.file_hash, "active", "720p")
    assert MediaFile.objects.count() == 1
    assert Title.objects.get(pk=title.pk).status == "available"
    automatic = AuditEntry.objects.filter(actor__isnull=True).order_by("id")
    assert list(automatic.values_list("action", flat=True)) == [
        "repair_open",
        "report_start_repair",
        "repair_succeeded",
        "report_mark_fixed",
    ]
    # One DM, through the swarm's job and the (fake) Telegram gateway.
    assert _wait_for(
        lambda: [m for m in fake_sent() if m.get("chat_id") == reporter.telegram_id]
    ), fake_sent()
    time.sleep(1)  # a duplicate would arrive now
    dms = [m for m in fake_sent() if m.get("chat_id") == reporter.telegram_id]
    assert len(dms) == 1 and "fixed" in dms[0]["text"]
