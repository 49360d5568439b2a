from __future__ import annotations

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from core.beat import Daily, Every, beat_sync, schedules
from streamvault.celery import app

pytestmark = pytest.mark.django_db


def test_every_declared_schedule_has_its_row_after_migrate_and_names_a_real_task():
    declared = schedules()
    assert {e.name.split(":")[0] for e in declared} >= {
        "accounts", "jobs", "swarm", "medic", "live", "tenants", "studio",
    }  # fmt: skip
    app.loader.import_default_modules()
    for entry in declared:
        row = PeriodicTask.objects.get(name=entry.name)
        assert row.task == entry.task and row.queue == "default"
        assert entry.task in app.tasks, f"{entry.name}: no task {entry.task}"
        if isinstance(entry, Every):
            assert (row.interval.every, row.interval.period) == (entry.seconds, "seconds")
        else:
            assert isinstance(entry, Daily)
            assert (row.crontab.minute, row.crontab.hour) == (str(entry.minute), "0")


def test_staff_edits_are_kept_and_a_missing_row_comes_back(capsys):
    edited = PeriodicTask.objects.get(name="medic: link health batch")
    edited.enabled = False
    edited.save()
    PeriodicTask.objects.filter(name="jobs: requeue stale jobs").delete()

    assert beat_sync() == ["jobs: requeue stale jobs"]
    assert not PeriodicTask.objects.get(name="medic: link health batch").enabled

    call_command("beat_sync")
    assert "0 created" in capsys.readouterr().out
