"""Creator approval: a new channel waits (``pending``, an admin alert raised) unless
``LIVE_CREATORS_AUTO_APPROVE`` is on; only an active channel gets a stream key and goes live
(nginx-rtmp's ``on_publish`` refuses the others); staff approve or reject (with a reason the
creator reads) from the admin, each audited and idempotent, the creator told on Telegram."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from core.models import AdminAlert, AuditEntry
from ingest.kinds import JobKind
from jobs.models import Job
from live import approval, services
from live.models import Creator, CreatorStatus, StreamStatus
from tests.factories import LiveStreamFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _studio(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_channel_waits_and_gets_no_key_until_approved():
    user = UserFactory(telegram_id=4242)
    client = _studio(user)
    opened = client.post("/api/live/studio/", {"channel_name": "Night Owl"}, "application/json")
    assert opened.status_code == 201 and opened.json()["status"] == "pending"
    alert = AdminAlert.objects.get(kind=AdminAlert.Kind.CREATOR_PENDING)
    assert "Night Owl" in alert.message
    refused = client.post("/api/live/studio/key/")
    assert refused.status_code == 403 and "approve" in refused.json()["error"]["message"]
    assert "waiting for a moderator" in client.get("/live/studio/").content.decode()
    creator = Creator.objects.get(user=user)
    moderator = StaffFactory()
    assert approval.creator_approve(creator=creator, actor=moderator) is True
    assert approval.creator_approve(creator=creator, actor=moderator) is False
    assert client.post("/api/live/studio/key/").status_code == 201
    creator.refresh_from_db()
    assert (creator.status, creator.reviewed_by) == (CreatorStatus.ACTIVE, moderator)
    assert AuditEntry.objects.filter(action="creator_active").count() == 1
    told = Job.objects.get(kind=JobKind.NOTIFY_USER)
    assert told.payload["user_id"] == user.pk and "approved" in told.payload["text"]


def test_auto_approval_opens_channels_active_with_no_alert(settings):
    settings.LIVE_CREATORS_AUTO_APPROVE = True
    creator = services.creator_become(user=UserFactory(), channel_name="Open Door")
    assert creator.status == CreatorStatus.ACTIVE
    assert services.stream_key_rotate(creator=creator).startswith("svlive_")
    assert not AdminAlert.objects.filter(kind=AdminAlert.Kind.CREATOR_PENDING).exists()


def test_only_an_active_channel_goes_live():
    creator = services.creator_become(user=UserFactory(), channel_name="Early Bird")
    key = services._key_new(creator)  # a key from before (approval came later)
    refusal = services.publish_start(key=key, client_id="7")
    assert refusal.status == 403
    approval.creator_approve(creator=creator, actor="cli")
    assert services.publish_start(key=key, client_id="7").status == StreamStatus.LIVE


def test_rejecting_kills_the_key_ends_the_broadcast_and_says_why(settings):
    settings.LIVE_RTMP_CONTROL_URL = ""
    stream = LiveStreamFactory()
    creator = stream.creator
    services.stream_key_rotate(creator=creator)
    moderator = StaffFactory()
    with pytest.raises(ValidationError):
        approval.creator_reject(creator=creator, actor=moderator, reason="  ")
    assert approval.creator_reject(creator=creator, actor=moderator, reason="Spam channel")
    assert not approval.creator_reject(creator=creator, actor=moderator, reason="Again")
    creator.refresh_from_db()
    assert creator.status == CreatorStatus.REJECTED and creator.stream_key_hash is None
    assert creator.streams.get().status == StreamStatus.OFFLINE
    entry = AuditEntry.objects.get(action="creator_rejected")
    assert entry.reason == "Spam channel"
    page = _studio(creator.user).get("/live/studio/").content.decode()
    assert "not approved: Spam channel" in page and 'id="rotate-key"' not in page


def test_staff_approve_and_reject_from_the_admin(client):
    waiting = services.creator_become(user=UserFactory(), channel_name="Waiting Room")
    services.creator_become(user=UserFactory(), channel_name="Second")
    client.force_login(StaffFactory())
    changelist = client.get("/admin/live/creator/?status__exact=pending").content.decode()
    assert "Waiting Room" in changelist and "Second" in changelist
    refused = client.post("/admin/live/creator/", {"action": "reject", "reason": "",
                          "_selected_action": [waiting.pk]}, follow=True)  # fmt: skip
    assert "Say why" in refused.content.decode()
    assert Creator.objects.get(pk=waiting.pk).status == CreatorStatus.PENDING
    client.post("/admin/live/creator/", {"action": "reject", "reason": "Not a real channel",
                "_selected_action": [waiting.pk]})  # fmt: skip
    rejected = Creator.objects.get(pk=waiting.pk)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "Not a real channel")
    client.post("/admin/live/creator/", {"action": "approve", "_selected_action": [waiting.pk]})
    assert Creator.objects.get(pk=waiting.pk).status == CreatorStatus.ACTIVE
