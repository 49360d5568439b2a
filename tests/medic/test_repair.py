"""Every repair path: the vault still serves, another mirror serves, another quality keeps the
title watchable, a re-leech through the swarm (waiting, done, failed), and giving up."""

from __future__ import annotations

import pytest

from catalog import services as catalog
from catalog.models import FileStatus, MediaFile, Title
from medic import integrations, services
from medic.models import Repair, RepairAttempt, Report
from medic.services import repair as repair_mod
from swarm.models import AdminAlert, Job, JobKind
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
    report.refresh_from_db()
    assert report.status == "repairing"
    assert "gave up" in report.resolution_notes
    alert = AdminAlert.objects.get()
    assert title.short_id in alert.message


def test_releech_waits_on_the_swarm_job_and_succeeds(web, monkeypatch):
    """The swarm's re-leech entry point is replaced here by a stand-in creating a real Job
    row; the repair polls it, and succeeds once the job is done and the bytes read."""
    web.expect_request("/backup").respond_with_data("", status=200)
    title = TitleFactory()
    f = add_file(title, ref="0" * 64, backup_url=web.url_for("/backup"))
    calls = []

    def releech(*, media_file_id, url):
        calls.append(url)
        return Job.objects.create(kind=JobKind.INGEST_URL, payload={"url": url}).pk

    monkeypatch.setattr(integrations, "queue_releech", releech)
    repair = _open(f)
    assert services.repair_step(repair_id=repair.pk) == repair_mod.WAITING
    assert calls == [web.url_for("/backup")]
    repair.refresh_from_db()
    assert repair.job_id and repair.job_strategy == "releech"
    assert services.repair_step(repair_id=repair.pk) == repair_mod.WAITING  # still queued
    # The pipeline stored new bytes and finished.
    fresh = stored_file(TitleFactory())
    MediaFile.objects.filter(pk=f.pk).update(ref=fresh.ref)
    Job.objects.filter(pk=repair.job_id).update(status="done")
    assert services.repair_step(repair_id=repair.pk) == repair_mod.SUCCEEDED
    assert MediaFile.objects.get(pk=f.pk).status == "active"
    assert ("releech", "succeeded") in _outcomes(repair)
    catalog.title_document_rebuild(title=title)


def test_failed_releech_job_moves_on(web, monkeypatch, settings):
    settings.MEDIC_REPAIR_MAX_ROUNDS = 5
    web.expect_request("/backup").respond_with_data("", status=200)
    title = TitleFactory()
    f = add_file(title, ref="0" * 64, backup_url=web.url_for("/backup"))
    monkeypatch.setattr(
        integrations,
        "queue_releech",
        lambda **kw: Job.objects.create(kind=JobKind.INGEST_URL, payload={}).pk,
    )
    repair = _open(f)
    assert services.repair_step(repair_id=repair.pk) == repair_mod.WAITING
    repair.refresh_from_db()
    Job.objects.filter(pk=repair.job_id).update(status="failed", last_error="HTTP 403")
    # The backup URL was tried this round: the pass ends without a fix.
    assert services.repair_step(repair_id=repair.pk) == repair_mod.RETRY
    outcomes = _outcomes(repair)
    assert ("releech", "failed") in outcomes
    assert RepairAttempt.objects.get(
        repair=repair, outcome="failed", strategy="releech"
    ).detail.startswith("swarm job failed")


def test_content_problem_is_not_fixed_by_a_live_mirror(web):
    web.expect_request("/alive").respond_with_data("", status=200)
    _title, f = movie_with_mirrors(web.url_for("/alive"))
    repair = _open(f, needs_new_bytes=True)
    assert services.repair_step(repair_id=repair.pk) == repair_mod.RETRY
    assert ("other_mirror", "succeeded") not in _outcomes(repair)
    assert ("releech", "unavailable") in _outcomes(repair)


def test_repair_open_is_idempotent():
    title = TitleFactory()
    f = add_file(title)
    a = _open(f)
    b = _open(f, needs_new_bytes=True)
    assert a.pk == b.pk
    assert Repair.objects.get(pk=a.pk).needs_new_bytes is True
    assert Repair.objects.filter(media_file=f).count() == 1
