"""The quarantine channel's review buttons: a submission is posted by the bot with Approve /
Reject (through the swarm's channel-post job and the bot's send path), and an admin's press
runs the submission services once — with real pyrogram callback queries."""

from __future__ import annotations

import pytest

from bot.ui import ADMINS_ONLY, EXPIRED
from ingest.kinds import JobKind
from ingest.models import Submission
from ingest.submissions import submission_create
from jobs.models import Job
from swarm.models import Channel, Worker
from swarm.telegram.fake import fake_sent
from swarm.workers import worker_set_session
from tests.factories import UserFactory
from tests.support.bot import FakeBotClient, bot_message, press, tg_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(fake_telegram, settings, django_capture_on_commit_callbacks):
    """A user's submission, posted to the quarantine channel (the post job run eagerly)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")
    Channel.objects.create(name="Dump", kind=Channel.Kind.QUARANTINE, chat_id=-100333)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_create(
            user=UserFactory(), url="https://x.org/Film.2020.mkv", title_hint="Film"
        )
    client = FakeBotClient()
    (post,) = [m for m in fake_sent() if m["chat_id"] == -100333]
    client.sent.append({"chat_id": -100333, "text": post["text"], "markup": None})
    return client, submission, post


def test_the_post_carries_the_buttons_and_approve_runs_once(posted):
    client, submission, post = posted
    assert post["op"] == "bot_message"  # buttons: sent by the bot, not a worker account
    assert post["buttons"] == [
        [["✅ Approve", f"sba|{submission.pk}"], ["✖ Reject", f"sbr|{submission.pk}"]]
    ]
    admin = UserFactory(role="admin", first_name="Ada")
    message = bot_message(client)
    press(client, tg_user(admin), f"sba|{submission.pk}", message)
    submission.refresh_from_db()
    assert submission.status == "approved" and submission.reviewed_by == admin
    job = Job.objects.get(kind=JobKind.INGEST_URL)
    assert client.edits[-1]["text"].endswith(f"✅ Approved by Ada — job #{job.pk}")
    press(client, tg_user(admin), f"sba|{submission.pk}", message)  # again
    assert client.answers[-1]["text"] == "Already reviewed."
    assert Job.objects.filter(kind=JobKind.INGEST_URL).count() == 1


def test_reject_asks_the_reason_and_the_submitter_is_told(posted):
    client, submission, _ = posted
    admin = tg_user(UserFactory(role="admin", first_name="Ada"))
    message = bot_message(client)
    press(client, admin, f"sbr|{submission.pk}", message)
    assert client.edits[-1]["text"].endswith("Reject because…")
    assert [b[1] for b in client.buttons(edited=True)] == [
        f"sbx|{submission.pk}|dup",
        f"sbx|{submission.pk}|quality",
        f"sbx|{submission.pk}|rules",
        f"sbb|{submission.pk}",
    ]
    press(client, admin, f"sbb|{submission.pk}", message)  # back: the two buttons again
    assert [b[1] for b in client.buttons(edited=True)] == [
        f"sba|{submission.pk}",
        f"sbr|{submission.pk}",
    ]
    press(client, admin, f"sbx|{submission.pk}|quality", message)
    submission.refresh_from_db()
    assert (submission.status, submission.reject_reason) == (
        "rejected",
        "Poor quality or broken file",
    )
    assert client.edits[-1]["text"].endswith("✖ Rejected by Ada: Poor quality or broken file")
    notify = Job.objects.get(kind=JobKind.NOTIFY_USER)
    assert "Poor quality or broken file" in notify.payload["text"]
    press(client, admin, f"sba|{submission.pk}", message)  # approve after reject: no
    assert Submission.objects.get(pk=submission.pk).status == "rejected"


def test_non_admins_and_old_buttons_do_nothing(posted, settings):
    client, submission, _ = posted
    for person in (UserFactory(role="free"), UserFactory(role="banned")):
        press(client, tg_user(person), f"sba|{submission.pk}", bot_message(client))
        assert client.answers[-1] == {
            "id": client.answers[-1]["id"],
            "text": ADMINS_ONLY,
            "alert": True,
        }
    admin = tg_user(UserFactory(role="admin"))
    old = bot_message(client, age_seconds=settings.BOT_BUTTON_TTL + 1)
    press(client, admin, f"sba|{submission.pk}", old)
    assert client.answers[-1]["text"] == EXPIRED
    press(client, admin, "sba|999999", bot_message(client))
    assert client.answers[-1]["text"] == "That submission is gone."
    assert Submission.objects.get(pk=submission.pk).status == "pending"
