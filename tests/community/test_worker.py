"""A reply's DM to the parent's author goes through the swarm's NOTIFY_USER job on a real
Celery worker over real Redis, and through the (fake) Telegram gateway as the Manager bot."""

from __future__ import annotations

import time

import pytest

from ingest.kinds import JobKind
from jobs.models import Job, JobStatus
from swarm.models import Worker
from swarm.telegram.fake import fake_sent
from swarm.workers import worker_set_session
from tests.community.factories import comment_on
from tests.factories import TitleFactory, UserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_reply_dm_is_sent_by_a_worker(celery_worker, fake_telegram):
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")
    title = TitleFactory(title="Some Film")
    author = UserFactory(kind="telegram", telegram_id=555777)
    root = comment_on(title, user=author, body="What a film")
    comment_on(title, user=UserFactory(first_name="Rex"), body="Agreed!", parent_id=root.pk)
    job = Job.objects.get(kind=JobKind.NOTIFY_USER)
    deadline = time.monotonic() + 60
    while Job.objects.get(pk=job.pk).status != JobStatus.DONE and time.monotonic() < deadline:
        time.sleep(0.2)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE, job.last_error
    (dm,) = [m for m in fake_sent() if m["chat_id"] == 555777]
    assert dm["op"] == "bot_message" and dm["text"].startswith("💬 Rex replied to your comment")
