"""Nothing a moderator started is lost to a broker outage: a takedown, a report's triage and a
fixed report's notice whose task could not be queued are re-sent by the medic's sweep (a beat
task), and a second takedown re-drives an unfinished one."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from celery.app.task import Task
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError

from core.queue import task_get
from medic import services
from medic.models import Report, Takedown
from medic.services.sweep import moderation_sweep
from tests.factories import StaffFactory, TitleFactory, UserFactory
from tests.medic.factories import report_on, stored_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    """Every task sent from this process fails as it does while Redis is stopped."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    return monkeypatch


def _age(model, pk: int, **fields_seconds: int) -> None:
    """Move the row's timestamps into the past (the sweep leaves fresh rows to their task)."""
    now = timezone.now()
    model.objects.filter(pk=pk).update(
        **{name: now - timedelta(seconds=s) for name, s in fields_seconds.items()}
    )


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The sweep as its beat task runs it, the tasks it sends run (eagerly) after commit."""

    def run() -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return moderation_sweep()

    return run


def test_a_takedown_during_an_outage_is_executed_by_the_sweep(
    broker_down, sweep, django_capture_on_commit_callbacks
):
    title = TitleFactory()
    f = stored_file(title)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("takedown", title.short_id, "--reason", "DMCA", stdout=out)
    takedown = Takedown.objects.get(title=title)
    assert takedown.executed_at is None  # the task never ran: the broker refused it
    assert sweep()["takedowns"] == 0  # too fresh: its own task may still come
    broker_down.undo()
    _age(Takedown, takedown.pk, created_at=120)
    assert sweep()["takedowns"] == 1
    takedown.refresh_from_db()
    assert takedown.executed_at is not None
    assert takedown.messages_results[f.file_hash] == "deleted"
    assert sweep()["takedowns"] == 0  # done: nothing more to send


def test_a_second_takedown_re_drives_an_unfinished_one(
    broker_down, django_capture_on_commit_callbacks
):
    title, admin = TitleFactory(), StaffFactory(is_superuser=True)
    f = stored_file(title)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.title_takedown(title=title, actor=admin, reason="DMCA")
    assert Takedown.objects.get(pk=first.pk).executed_at is None
    broker_down.undo()
    with django_capture_on_commit_callbacks(execute=True):
        second = services.title_takedown(title=title, actor=admin, reason="DMCA again")
    assert second.pk == first.pk
    second.refresh_from_db()
    assert second.executed_at is not None
    assert second.messages_results[f.file_hash] == "deleted"


def test_reports_and_notices_lost_to_an_outage_are_re_sent(
    broker_down, sweep, django_capture_on_commit_callbacks
):
    title = TitleFactory()
    f = stored_file(title)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_on(f, user=UserFactory(telegram_id=5550001))
        fixed = report_on(stored_file(TitleFactory()), user=UserFactory(telegram_id=5550002))
    Report.objects.filter(pk=fixed.pk).update(checked_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_mark_fixed(report=fixed, actor=StaffFactory(), note="ok")
    report.refresh_from_db()
    assert report.checked_at is None  # never triaged
    assert Report.objects.get(pk=fixed.pk).notified_at is None  # never told
    broker_down.undo()
    _age(Report, report.pk, created_at=120)
    _age(Report, fixed.pk, resolved_at=120)
    sent = sweep()
    assert (sent["reports"], sent["notices"]) == (1, 1)
    assert Report.objects.get(pk=report.pk).checked_at is not None
    assert Report.objects.get(pk=fixed.pk).notified_at is not None
    again = sweep()
    assert (again["reports"], again["notices"]) == (0, 0)


def test_the_sweep_has_a_beat_row():
    row = PeriodicTask.objects.get(task="medic.tasks.moderation_sweep")
    assert row.enabled and row.interval.every <= 120


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_on_a_real_worker_executes_a_lost_takedown(celery_worker, broker_down):
    title = TitleFactory()
    stored_file(title)
    services.title_takedown(title=title, actor=StaffFactory(is_superuser=True), reason="DMCA")
    takedown = Takedown.objects.get(title=title)
    assert takedown.executed_at is None
    broker_down.undo()
    _age(Takedown, takedown.pk, created_at=120)
    task_get("medic.tasks.moderation_sweep").delay()
    deadline = time.monotonic() + 60
    while Takedown.objects.get(pk=takedown.pk).executed_at is None:
        assert time.monotonic() < deadline, "the sweep did not execute the takedown"
        time.sleep(0.2)
