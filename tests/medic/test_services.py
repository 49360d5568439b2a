"""Report transitions, dedupe, the audit log, and the one-DM rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.models import AuditEntry
from ingest.kinds import JobKind
from jobs.models import Job
from medic import services
from medic.models import Repair, Report
from tests.factories import StaffFactory, TitleFactory, UserFactory, add_file
from tests.medic.factories import report_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return StaffFactory()


@pytest.fixture
def report():
    title = TitleFactory()
    return report_on(add_file(title))


def test_repeat_returns_the_open_report_and_a_closed_one_allows_a_new(report, moderator):
    again, created = services.report_create(
        actor=report.reported_by,
        title=report.title,
        media_file=report.media_file,
        issue="dead_link",
    )
    assert (again.pk, created) == (report.pk, False)
    services.report_mark_fixed(report=report, actor=moderator)
    new, created = services.report_create(
        actor=report.reported_by,
        title=report.title,
        media_file=report.media_file,
        issue="dead_link",
    )
    assert created and new.pk != report.pk


def test_the_database_refuses_a_second_open_report(report):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            title=report.title,
            media_file=report.media_file,
            reported_by=report.reported_by,
            issue="dead_link",
            target_type="file",
            target_key=report.target_key,
            status="repairing",
        )


def test_transitions_are_audited_and_idempotent(
    report, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        assert services.report_start_repair(report=report, actor=moderator) is True
        assert services.report_start_repair(report=report, actor=moderator) is False
    assert report.status == "repairing"
    assert Repair.objects.get(media_file=report.media_file).status == "open"
    assert services.report_mark_fixed(report=report, actor=moderator, note="done") is True
    assert services.report_mark_fixed(report=report, actor=moderator) is False
    report.refresh_from_db()
    assert report.status == "fixed" and report.resolved_at is not None
    assert "done" in report.resolution_notes
    entries = list(AuditEntry.objects.filter(target_id=str(report.pk)).order_by("id"))
    assert [e.action for e in entries] == [
        "report_create",
        "report_start_repair",
        "report_mark_fixed",
    ]
    assert entries[1].actor == moderator
    assert entries[1].before["status"] == "pending"
    assert entries[1].after["status"] == "repairing"
    assert entries[2].reason == "done"


def test_closed_reports_cannot_be_reopened_by_an_action(report, moderator):
    services.report_ignore(report=report, actor=moderator, reason="not reproducible")
    with pytest.raises(ValidationError):
        services.report_start_repair(report=report, actor=moderator)
    with pytest.raises(ValidationError):
        services.report_mark_fixed(report=report, actor=moderator)
    assert Report.objects.get(pk=report.pk).status == "ignored"


def test_ignore_needs_a_reason(report, moderator):
    with pytest.raises(ValidationError):
        services.report_ignore(report=report, actor=moderator, reason="  ")
    assert services.report_ignore(report=report, actor=moderator, reason="dupe") is True
    assert AuditEntry.objects.get(action="report_ignore").reason == "dupe"


def test_a_reporter_is_notified_once(report, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.report_mark_fixed(report=report, actor=moderator)
    report.refresh_from_db()
    assert services.report_notify(report=report) is True
    assert services.report_notify(report=report) is False
    jobs = Job.objects.filter(kind=JobKind.NOTIFY_USER)
    assert jobs.count() == 1
    job = jobs.get()
    assert job.payload["user_id"] == report.reported_by_id
    assert report.title.title in job.payload["text"]


def test_a_pending_report_is_not_notified(report):
    assert services.report_notify(report=report) is False
    assert not Job.objects.filter(kind=JobKind.NOTIFY_USER).exists()


def test_guest_reports_move_to_the_account_on_login(report):
    from accounts.services.auth import guest_merge
    from accounts.services.users import guest_create

    guest = guest_create()
    title = report.title
    mine, _ = services.report_create(actor=guest, title=title, issue="wrong_audio")
    user = UserFactory()
    assert guest_merge(guest=guest, into=user) is True
    assert Report.objects.get(pk=mine.pk).reported_by == user
