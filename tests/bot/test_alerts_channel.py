"""The admin alerts channel (docs/design.md) hears of takedowns, copyright complaints
and admin logins from new devices (blocked hashes, dead workers and failed repairs have their
own tests): each raises an ``AdminAlert`` whose post goes out through the swarm."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import AdminAlert
from medic.models import Report
from medic.services import title_takedown
from swarm.models import Channel, Worker
from swarm.telegram.fake import fake_sent
from swarm.workers import worker_set_session
from tests.factories import TitleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel_posts(fake_telegram, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")
    Channel.objects.create(name="Alerts", kind=Channel.Kind.ADMIN_ALERTS, chat_id=-100444)

    def posts() -> list[str]:
        return [m["text"] for m in fake_sent() if m["chat_id"] == -100444]

    return posts


def test_a_takedown_is_posted(channel_posts, django_capture_on_commit_callbacks):
    admin = UserFactory(role="admin", is_superuser=True, is_staff=True, username="ada")
    title = TitleFactory(title="Leaky Film")
    with django_capture_on_commit_callbacks(execute=True):
        title_takedown(title=title, actor=admin, reason="DMCA notice #7")
    assert channel_posts() == [
        f"⚠️ Taken down: “Leaky Film” ({title.short_id}) by ada: DMCA notice #7"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        title_takedown(title=title, actor=admin, reason="again")  # idempotent: no second post
    assert len(channel_posts()) == 1


def test_a_copyright_report_is_posted_and_not_auto_repaired(
    channel_posts, django_capture_on_commit_callbacks
):
    title = TitleFactory(title="Some Film")
    client = Client()
    client.get("/api/session/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/reports/",
            {"title": title.short_id, "issue": "copyright", "note": "I own this film"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    (post,) = channel_posts()
    assert post.startswith(f"⚠️ Copyright complaint on “Some Film” ({title.short_id})")
    assert post.endswith(": I own this film")
    report = Report.objects.get()
    assert report.status == "pending" and report.checked_at is None  # for a human


def test_admin_logins_from_a_new_device_are_posted(
    channel_posts, django_capture_on_commit_callbacks
):
    admin = UserFactory(role="admin", is_staff=True, username="ada")
    admin.set_password("pw-123456789")
    admin.save()
    viewer = UserFactory(role="free", username="vic")
    viewer.set_password("pw-123456789")
    viewer.save()

    def login(username: str, agent: str, ip: str) -> None:
        """The admin's login form, from a browser at ``ip``."""
        client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/login/", {"username": username, "password": "pw-123456789"}
            )
        assert response.status_code == 302, response.content[:300]

    login("ada", "Firefox/140 Linux", "203.0.113.7")
    login("ada", "Firefox/140 Linux", "203.0.113.99")  # same browser, same network
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().login(username="vic", password="pw-123456789")  # not staff: no alert
    login("ada", "Safari iPhone", "198.51.100.1")
    assert channel_posts() == [
        "⚠️ Admin login from a new device: ada (Firefox/140 Linux, 203.0.113.0/24)",
        "⚠️ Admin login from a new device: ada (Safari iPhone, 198.51.100.0/24)",
    ]
    assert AdminAlert.objects.filter(kind="admin_login").count() == 2
