"""No pretend Telegram in production: the real gateway is the default, and with nothing to run
a Telegram operation on, the job fails with a clear error and the admins get an alert — never a
silent success against the in-Redis fake."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.models import AdminAlert
from ingest.kinds import JobKind
from jobs.engine import job_create, job_run
from jobs.models import Job, JobStatus
from swarm.jobs import CHANNEL_POST
from swarm.models import Channel
from swarm.telegram.runtime import runtimes_stop
from tests.conftest import ROOT
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_gateway(settings):
    settings.TELEGRAM_GATEWAY = "pyrogram"
    settings.TELEGRAM_BOT_TOKEN = ""
    runtimes_stop()
    yield
    runtimes_stop()


def test_the_real_gateway_is_the_default():
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_GATEWAY"}
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.TELEGRAM_GATEWAY)",
        ],
        cwd=ROOT,
        env={**env, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "streamvault.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "pyrogram"


def _run(kind: str, payload: dict) -> Job:
    job = job_create(kind=kind, payload=payload, enqueue=False)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_a_channel_post_with_no_account_fails_clearly_and_alerts_once(real_gateway):
    Channel.objects.create(name="Updates", kind=Channel.Kind.PUBLIC_UPDATES, chat_id=-1001)
    payload = {"channel_kind": Channel.Kind.PUBLIC_UPDATES, "text": "hello"}
    first = _run(CHANNEL_POST, payload)
    assert first.status == JobStatus.FAILED
    assert "no ingest Telegram account is configured" in first.last_error
    second = _run(CHANNEL_POST, payload)
    assert second.status == JobStatus.FAILED
    alerts = AdminAlert.objects.filter(kind=AdminAlert.Kind.NO_TELEGRAM_ACCOUNT)
    assert alerts.count() == 1  # one alert per reason and window, however many jobs fail
    assert "swarm_login" in alerts.get().message


def test_a_bot_dm_with_no_bot_token_fails_clearly_and_alerts(real_gateway):
    user = UserFactory()
    job = _run(JobKind.NOTIFY_USER, {"user_id": user.pk, "text": "your file is back"})
    assert job.status == JobStatus.FAILED
    assert "TELEGRAM_BOT_TOKEN is not set" in job.last_error
    assert AdminAlert.objects.filter(
        kind=AdminAlert.Kind.NO_TELEGRAM_ACCOUNT, message__contains="TELEGRAM_BOT_TOKEN"
    ).exists()
