"""The swarm's admin pages, the submissions API, the management commands and
forward-to-index (through the fake Telegram, the bot's test harness)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from catalog.models import MediaFile, Title
from ingest.kinds import JobKind
from ingest.models import Submission, SubmissionStatus
from ingest.pipeline import forward_index
from jobs.models import Job, JobStatus
from swarm.models import Channel, Worker, WorkerStatus
from swarm.telegram.fake import fake_message_put, fake_sent
from swarm.workers import worker_session, worker_set_session
from tests.factories import StaffFactory, UserFactory

SECRET = "1BVtsOK8Bu3-very-secret-session-string"


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


# --- admin ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_worker_changelist_shows_health_but_never_the_session(
    staff_client, django_assert_max_num_queries
):
    for n in range(5):
        worker = Worker.objects.create(
            name=f"w{n}",
            error_count=n,
            total_uploads=10 * n,
            status=WorkerStatus.FLOOD_WAIT if n == 1 else WorkerStatus.ACTIVE,
            flood_wait_until=timezone.now() + timezone.timedelta(minutes=5) if n == 1 else None,
        )
        worker_set_session(worker=worker, session_string=SECRET, proxy="socks5://u:hunter2@h:1")
    with django_assert_max_num_queries(10):
        response = staff_client.get(reverse("admin:swarm_worker_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Flood wait" in page and "0/3" in page and "0h 04m" in page
    assert SECRET not in page and "hunter2" not in page
    assert Worker.objects.get(name="w0").session_encrypted not in page


@pytest.mark.django_db
def test_worker_change_form_is_write_only_for_secrets(staff_client, django_assert_max_num_queries):
    worker = Worker.objects.create(name="w")
    worker_set_session(worker=worker, session_string=SECRET)
    url = reverse("admin:swarm_worker_change", args=[worker.pk])
    with django_assert_max_num_queries(10):
        response = staff_client.get(url)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert worker.session_encrypted not in response.content.decode()
    response = staff_client.post(
        url,
        {
            "name": "w",
            "phone": "",
            "api_id": "",
            "role": "ingest",
            "enabled": "on",
            "max_load": "4",
            "storage_channel": "",
            "new_session": "new-session-value",
            "new_proxy": "",
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.max_load == 4 and worker_session(worker=worker) == "new-session-value"


@pytest.mark.django_db
def test_worker_actions(staff_client):
    worker = Worker.objects.create(name="w", error_count=7)
    changelist = reverse("admin:swarm_worker_changelist")
    for action in ("reset_errors", "pause", "mark_dead"):
        staff_client.post(changelist, {"action": action, ACTION_CHECKBOX_NAME: [worker.pk]})
    worker.refresh_from_db()
    assert (worker.error_count, worker.enabled, worker.status) == (0, False, WorkerStatus.DEAD)
    staff_client.post(changelist, {"action": "revive", ACTION_CHECKBOX_NAME: [worker.pk]})
    staff_client.post(changelist, {"action": "resume", ACTION_CHECKBOX_NAME: [worker.pk]})
    worker.refresh_from_db()
    assert (worker.enabled, worker.status) == (True, WorkerStatus.ACTIVE)


@pytest.mark.django_db
def test_job_changelist_filters_progress_and_actions(staff_client, django_assert_max_num_queries):
    worker = Worker.objects.create(name="w")
    for n in range(6):
        Job.objects.create(
            kind=JobKind.INGEST_URL,
            status=JobStatus.RUNNING if n % 2 else JobStatus.FAILED,
            progress=n * 10,
            worker_id=worker.pk,
            payload={"url": f"http://x/{n}"},
        )
    url = reverse("admin:jobs_job_changelist")
    with django_assert_max_num_queries(10):
        response = staff_client.get(url, {"status__exact": "failed", "kind": "ingest_url"})
    page = response.content.decode()
    assert response.status_code == 200 and "Ingest a URL" in page
    assert page.count('title="40%"') == 1 and 'title="50%"' not in page  # running are filtered
    failed = list(Job.objects.filter(status=JobStatus.FAILED).values_list("pk", flat=True))
    staff_client.post(url, {"action": "retry", ACTION_CHECKBOX_NAME: failed})
    assert set(Job.objects.filter(pk__in=failed).values_list("status", flat=True)) == {"queued"}
    staff_client.post(url, {"action": "cancel", ACTION_CHECKBOX_NAME: failed[:1]})
    assert Job.objects.get(pk=failed[0]).status == JobStatus.CANCELLED
    with django_assert_max_num_queries(10):
        detail = staff_client.get(reverse("admin:jobs_job_change", args=[failed[0]]))
    shown_url = Job.objects.get(pk=failed[0]).payload["url"]
    assert detail.status_code == 200 and shown_url in detail.content.decode()


@pytest.mark.django_db(transaction=True)
def test_admin_ingest_url_form_queues_a_job(staff_client, media, file_server, fake_telegram):
    from tests.support.swarm import FileServe

    file_server.expect_request(f"/{media.movie.name}").respond_with_handler(FileServe(media.movie))
    form_url = reverse("admin:ingest_ingest_url")
    assert staff_client.get(form_url).status_code == 200
    bad = staff_client.post(form_url, {"url": "not a url"})
    assert bad.status_code == 200 and not Job.objects.exists()
    response = staff_client.post(form_url, {"url": file_server.url_for(f"/{media.movie.name}")})
    job = Job.objects.get(kind="ingest_url")
    assert response.status_code == 302 and response.url.endswith(f"/jobs/job/{job.pk}/change/")
    assert job.status == JobStatus.DONE and job.created_by is not None  # eager: ran inline
    assert MediaFile.objects.count() == 1


@pytest.mark.django_db
def test_submission_and_channel_admin_pages(staff_client, django_assert_max_num_queries):
    users = UserFactory.create_batch(3)
    for n, user in enumerate(users):
        Submission.objects.create(user=user, url=f"https://example.com/{n}.mkv")
    Channel.objects.create(name="Updates", kind=Channel.Kind.PUBLIC_UPDATES, chat_id=-1001)
    for name in ("ingest_submission", "swarm_channel"):
        with django_assert_max_num_queries(10):
            assert staff_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    with django_assert_max_num_queries(10):
        sub = Submission.objects.first()
        page = staff_client.get(reverse("admin:ingest_submission_change", args=[sub.pk]))
    assert page.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_submission_reject_with_reason_and_approve(staff_client, fake_telegram):
    submitter = UserFactory(telegram_id=4242)
    a = Submission.objects.create(user=submitter, url="https://example.com/a.mkv")
    b = Submission.objects.create(user=submitter, url="https://example.com/b.mkv")
    url = reverse("admin:ingest_submission_changelist")
    confirm = staff_client.post(url, {"action": "reject", ACTION_CHECKBOX_NAME: [a.pk]})
    assert confirm.status_code == 200 and "reason" in confirm.content.decode()
    staff_client.post(
        url, {"action": "reject", ACTION_CHECKBOX_NAME: [a.pk], "apply": "1", "reason": "Spam"}
    )
    a.refresh_from_db()
    assert (a.status, a.reject_reason) == (SubmissionStatus.REJECTED, "Spam")
    assert a.notified_at is not None
    # Approving makes an ingest job (the URL does not resolve here, so it fails: that is the
    # ingest's business, the submission stays approved).
    staff_client.post(url, {"action": "approve", ACTION_CHECKBOX_NAME: [b.pk]})
    b.refresh_from_db()
    assert b.status == SubmissionStatus.APPROVED and b.job.kind == JobKind.INGEST_URL
    assert b.job.payload == {"url": "https://example.com/b.mkv", "submission_id": b.pk}
    dms = [m["text"] for m in fake_sent() if m["op"] == "bot_message" and m["chat_id"] == 4242]
    assert len(dms) == 2 and "rejected: Spam" in dms[0] and "approved" in dms[1]


# --- the API -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submissions_api_create_list_and_errors(client, settings, django_assert_max_num_queries):
    settings.SUBMISSION_RATE = "4/hour"
    anon = client.post(
        "/api/submissions/", {"url": "https://x.org/a.mkv"}, content_type="application/json"
    )
    assert anon.status_code == 403 and anon.json()["error"]["code"] == "not_authenticated"
    user = UserFactory()
    client.force_login(user)
    bad = client.post(
        "/api/submissions/", {"url": "ftp://x.org/a.mkv"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "url" in bad.json()["error"]["fields"]
    form = client.post("/api/submissions/", {"url": "https://x.org/f.mkv"})  # a form body
    assert form.status_code == 415 and form.json()["error"]["code"] == "unsupported_media_type"
    made = client.post(
        "/api/submissions/",
        {"url": "https://x.org/Film.2020.mkv", "title_hint": "Film"},
        content_type="application/json",
    )
    assert made.status_code == 201
    body = made.json()
    assert body["status"] == "pending" and body["title_hint"] == "Film"
    assert Submission.objects.get().user == user
    client.post(
        "/api/submissions/", {"url": "https://x.org/2.mkv"}, content_type="application/json"
    )
    limited = client.post(
        "/api/submissions/", {"url": "https://x.org/3.mkv"}, content_type="application/json"
    )
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "throttled"
    Submission.objects.create(user=UserFactory(), url="https://other.org/x.mkv")
    with django_assert_max_num_queries(4):
        listed = client.get("/api/submissions/")
    assert listed.status_code == 200
    assert [r["url"] for r in listed.json()["results"]] == [
        "https://x.org/2.mkv",
        "https://x.org/Film.2020.mkv",
    ]


# --- commands ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_ingest_url_command_waits_for_the_result(media, file_server, fake_telegram):
    from tests.support.swarm import FileServe

    file_server.expect_request(f"/{media.movie.name}").respond_with_handler(FileServe(media.movie))
    out = StringIO()
    call_command("ingest_url", file_server.url_for(f"/{media.movie.name}"), "--wait", stdout=out)
    assert "done" in out.getvalue() and Title.objects.get().title == "Big Test Movie"
    file_server.expect_request("/missing.mkv").respond_with_data("", status=404)
    with pytest.raises(Exception, match="HTTP 404"):
        call_command("ingest_url", file_server.url_for("/missing.mkv"), "--wait", stdout=out)


@pytest.mark.django_db
def test_swarm_login_stores_the_session_encrypted(monkeypatch, capsys):
    answers = iter(["12345"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "hunter2")
    out = StringIO()
    call_command("swarm_login", "--name", "w9", "--phone", "+15550002", stdout=out)
    worker = Worker.objects.get(name="w9")
    assert worker_session(worker=worker) == "fake-session-+15550002-2fa"  # asked for 2FA
    assert "fake-session" not in out.getvalue() and "fake-session" not in worker.session_encrypted


# --- forward-to-index ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_forwarded_message_is_indexed_by_reference(media, fake_telegram, settings):
    settings.TMDB_API_KEY = ""
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="s")
    storage = Channel.objects.create(name="Store", kind=Channel.Kind.STORAGE, chat_id=-1002)
    fake_message_put(chat_id=-100777, message_id=55, path=media.movie, file_name=media.movie.name)
    job = forward_index(
        chat_id=-100777,
        message_id=55,
        file_name=media.movie.name,
        mime_type="video/x-matroska",
        size=media.movie.stat().st_size,
        copy_to_storage=True,
    )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    media_file = MediaFile.objects.get()
    copied = job.state["copied"]
    assert copied["chat_id"] == storage.chat_id
    assert (media_file.backend, media_file.ref) == ("telegram", f"-1002:{copied['message_id']}")
    assert media_file.tg_raw["message_id"] == copied["message_id"]
    assert media_file.subtitles.count() == 3 and media_file.title.screenshots.count() == 5
    assert job.worker_id == worker.pk
    # Forwarding the same message again is the same job.
    assert forward_index(chat_id=-100777, message_id=55).pk == job.pk


@pytest.mark.django_db
def test_forward_from_a_bot_message_references_the_origin():
    from types import SimpleNamespace

    from django.core.exceptions import ValidationError

    from ingest.pipeline import forward_index_from_message

    video = SimpleNamespace(file_name="Film.2020.mkv", mime_type="video/mp4", file_size=1234)
    message = SimpleNamespace(
        video=video,
        document=None,
        forward_from_chat=SimpleNamespace(id=-100555, username="films"),
        forward_from_message_id=77,
    )
    job = forward_index_from_message(message=message)
    assert job.kind == JobKind.INGEST_FORWARD
    assert job.payload == {
        "chat_id": -100555,
        "message_id": 77,
        "file_name": "Film.2020.mkv",
        "mime_type": "video/mp4",
        "size": 1234,
        "copy_to_storage": True,
        "chat_username": "films",  # how an account that never saw the channel finds it
    }
    hidden = SimpleNamespace(video=video, document=None, forward_from_chat=None)
    with pytest.raises(ValidationError, match="hidden"):
        forward_index_from_message(message=hidden)
    text_only = SimpleNamespace(video=None, document=None)
    with pytest.raises(ValidationError, match="video or a document"):
        forward_index_from_message(message=text_only)
