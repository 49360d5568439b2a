"""The takedown kill switch: idempotence, permissions, restore, the command, and the nginx
cache purge against a real nginx."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from io import StringIO

import httpx
import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from catalog import services as catalog
from catalog.models import MediaFile, Title
from catalog.services import title_cache_key
from core.models import AuditEntry
from medic import purge, services
from medic.models import Repair, Report, Takedown
from tests.conftest import require
from tests.factories import StaffFactory, TitleFactory, UserFactory
from tests.medic.factories import report_on, stored_file
from vault.backends.local import LocalBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return StaffFactory()


@pytest.fixture
def movie():
    title = TitleFactory()
    f = stored_file(title)
    catalog.mirrors_set(media_file=f, mirrors=[{"host": "mega", "url": "https://mega.example/x"}])
    return title, f


def test_takedown_bans_purges_and_is_idempotent(
    movie, admin_user, django_capture_on_commit_callbacks
):
    title, f = movie
    report = report_on(f)
    cache.set(title_cache_key(title.short_id), b"{}")
    with django_capture_on_commit_callbacks(execute=True):
        takedown = services.title_takedown(title=title, actor=admin_user, reason="DMCA #1")
    title.refresh_from_db()
    assert title.status == "banned"
    assert title.document["status"] == "banned"
    assert cache.get(title_cache_key(title.short_id)) is None
    takedown.refresh_from_db()
    assert takedown.file_hashes == [f.file_hash]
    assert takedown.mirrors_to_remove == [
        {"file_hash": f.file_hash, "host": "mega", "url": "https://mega.example/x"}
    ]
    assert takedown.purge_results == {f.file_hash: "disabled"}  # no nginx configured
    assert takedown.messages_results == {
        f.file_hash: "deleted",
        "mirror:https://mega.example/x": "by hand",  # no such host configured here
    }
    assert not LocalBackend().path(f.ref).exists()
    assert Report.objects.get(pk=report.pk).status == "ignored"
    # Again: same row, no second audit entry, nothing re-run.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.title_takedown(title=title, actor=admin_user, reason="again")
    assert again.pk == takedown.pk and not callbacks
    assert AuditEntry.objects.filter(action="title_takedown").count() == 1
    entry = AuditEntry.objects.get(action="title_takedown")
    assert (entry.actor, entry.before, entry.reason) == (
        admin_user,
        {"status": "available"},
        "DMCA #1",
    )


def test_api_hides_a_taken_down_title(
    client, movie, admin_user, django_capture_on_commit_callbacks
):
    title, _ = movie
    assert client.get(f"/api/titles/{title.short_id}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.title_takedown(title=title, actor=admin_user, reason="DMCA")
    assert client.get(f"/api/titles/{title.short_id}/").status_code == 404


def test_who_may_take_down_and_restore(movie, django_capture_on_commit_callbacks):
    title, _ = movie
    plain_staff = UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        services.title_takedown(title=title, actor=plain_staff, reason="x")
    moderator = UserFactory(is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="takedown_title"))
    moderator = type(moderator).objects.get(pk=moderator.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.title_takedown(title=title, actor=moderator, reason="DMCA")
    with pytest.raises(PermissionDenied):
        services.title_restore(title=title, actor=moderator)
    assert Title.objects.get(pk=title.pk).status == "banned"


def test_restore_brings_the_title_back_and_repairs_deleted_files(
    movie, admin_user, django_capture_on_commit_callbacks
):
    title, f = movie
    with django_capture_on_commit_callbacks(execute=True):
        services.title_takedown(title=title, actor=admin_user, reason="mistake?")
    with django_capture_on_commit_callbacks(execute=False):
        assert services.title_restore(title=title, actor=admin_user, reason="counter-notice")
        assert services.title_restore(title=title, actor=admin_user) is False
    title.refresh_from_db()
    # Its bytes were deleted: the file is dead and a repair is open, so the title repairs.
    assert MediaFile.objects.get(pk=f.pk).status == "dead"
    assert Repair.objects.get(media_file=f, status="open").needs_new_bytes
    assert title.status == "repairing"
    assert Takedown.objects.get(title=title).restored_by == admin_user
    assert AuditEntry.objects.filter(action="title_restore").count() == 1


def test_management_command(movie, django_capture_on_commit_callbacks, settings):
    settings.MEDIC_TAKEDOWN_DELETE_SOURCES = False
    title, f = movie
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("takedown", title.short_id, "--reason", "DMCA #9", stdout=out)
    assert "taken down" in out.getvalue()
    assert "mega: https://mega.example/x" in out.getvalue()
    assert Title.objects.get(pk=title.pk).status == "banned"
    assert LocalBackend().path(f.ref).exists()  # kept by setting
    entry = AuditEntry.objects.get(action="title_takedown")
    assert entry.actor is None and entry.actor_repr == "cli"


def test_cache_file_path_follows_nginx_levels():
    import hashlib

    digest = hashlib.md5(b"abc").hexdigest()
    path = purge.cache_file_path(cache_dir="/c", levels="1:2", key="abc")
    assert str(path) == f"/c/{digest[-1]}/{digest[-3:-1]}/{digest}"
    path = purge.cache_file_path(cache_dir="/c", levels="2", key="abc")
    assert str(path) == f"/c/{digest[-2:]}/{digest}"


@pytest.mark.parametrize(("code", "outcome"), [(200, "purged"), (404, "not cached")])
def test_http_purge_mode(web, settings, code, outcome):
    web.expect_request("/purge/abc", method="PURGE").respond_with_data("", status=code)
    settings.MEDIC_NGINX_PURGE = "http"
    settings.MEDIC_NGINX_PURGE_URL = web.url_for("/purge/{file_hash}")
    assert purge.nginx_purge(file_hash="abc") == outcome


def test_http_purge_error_is_reported(web, settings):
    web.expect_request("/purge/abc", method="PURGE").respond_with_data("", status=500)
    settings.MEDIC_NGINX_PURGE = "http"
    settings.MEDIC_NGINX_PURGE_URL = web.url_for("/purge/{file_hash}")
    with pytest.raises(purge.PurgeError):
        purge.nginx_purge(file_hash="abc")


# --- real nginx ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx(tmp_path, web):
    """nginx with proxy_cache keyed by the file hash, in front of a local upstream."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    require(os.path.exists(binary), "needs nginx (scripts/test.sh installs it)")
    root = tmp_path / "nginx"
    for d in ("cache", "tmp", "logs"):
        (root / d).mkdir(parents=True)
    port = _free_port()
    upstream = web.url_for("/").rstrip("/")
    user = "user root root;" if os.getuid() == 0 else ""
    conf = root / "nginx.conf"
    conf.write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp/body;
  proxy_temp_path {root}/tmp/proxy;
  fastcgi_temp_path {root}/tmp/fastcgi;
  uwsgi_temp_path {root}/tmp/uwsgi;
  scgi_temp_path {root}/tmp/scgi;
  proxy_cache_path {root}/cache levels=1:2 keys_zone=files:1m inactive=1h use_temp_path=off;
  server {{
    listen 127.0.0.1:{port};
    location ~ "^/s/(?<file_hash>[0-9a-f]{{64}})$" {{
      proxy_pass {upstream};
      proxy_cache files;
      proxy_cache_key $file_hash;
      proxy_cache_valid 200 1h;
      add_header X-Cache-Status $upstream_cache_status always;
    }}
  }}
}}
""")
    proc = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode()}") from None
            time.sleep(0.05)
    try:
        yield {"url": f"http://127.0.0.1:{port}", "cache": root / "cache"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_takedown_purges_the_real_nginx_cache(
    nginx, web, movie, admin_user, settings, django_capture_on_commit_callbacks
):
    title, f = movie
    other = stored_file(title, quality="720p")
    upstream_hits = {f.file_hash: 0, other.file_hash: 0}

    def serve(request):
        from werkzeug import Response

        file_hash = request.path.rsplit("/", 1)[1]
        upstream_hits[file_hash] += 1
        return Response(b"bytes of " + file_hash.encode(), status=200)

    for h in upstream_hits:
        web.expect_request(f"/s/{h}").respond_with_handler(serve)
    settings.MEDIC_NGINX_PURGE = "file"
    settings.MEDIC_NGINX_CACHE_DIR = str(nginx["cache"])
    settings.MEDIC_NGINX_CACHE_LEVELS = "1:2"
    settings.MEDIC_NGINX_CACHE_KEY = "{file_hash}"

    def get(h):
        r = httpx.get(f"{nginx['url']}/s/{h}")
        assert r.status_code == 200 and r.content == b"bytes of " + h.encode()
        return r.headers["X-Cache-Status"]

    for h in upstream_hits:
        assert get(h) == "MISS"
        assert get(h) == "HIT"
        # The file our purge computes is the one nginx wrote.
        assert purge.cache_file_path(cache_dir=nginx["cache"], levels="1:2", key=h).exists()
    assert upstream_hits == {f.file_hash: 1, other.file_hash: 1}

    with django_capture_on_commit_callbacks(execute=True):
        takedown = services.title_takedown(title=title, actor=admin_user, reason="DMCA")
    takedown.refresh_from_db()
    assert takedown.purge_results == {f.file_hash: "deleted", other.file_hash: "deleted"}
    for h in upstream_hits:
        assert get(h) == "MISS"  # no longer served from nginx's cache
    assert upstream_hits == {f.file_hash: 2, other.file_hash: 2}
    # Run again: nothing left to purge, nothing fails.
    again = services.takedown_execute(takedown_id=takedown.pk)
    assert again.purge_results == takedown.purge_results


@pytest.mark.django_db(transaction=True)
def test_takedown_deletes_the_storage_message_through_the_gateway(
    threads_celery_worker, admin_user, tmp_path
):
    """A Telegram-stored file: the medic queues the deletion on the swarm's telegram queue,
    whose worker leases an ingest account and deletes the storage-channel message through the
    (fake) gateway; the next run of the takedown reads the outcome."""
    from medic.services.takedown import takedown_incomplete
    from swarm.models import Worker
    from swarm.tasks import telegram_delete_message
    from swarm.telegram.fake import fake_message_exists, fake_message_put, fake_reset, fake_sent
    from swarm.telegram.runtime import runtimes_stop
    from swarm.workers import worker_set_session
    from tests.factories import add_file

    chat, message = -1009000000002, 77
    runtimes_stop()  # a runtime an earlier test left in this process must not take the account
    fake_reset()
    try:
        account = Worker.objects.create(name="ingest-1")
        worker_set_session(worker=account, session_string="s-ingest-1")
        path = tmp_path / "stored.mkv"
        path.write_bytes(b"stored bytes" * 100)
        fake_message_put(chat_id=chat, message_id=message, path=path)
        title = TitleFactory()
        f = add_file(title, backend="telegram", ref=f"{chat}:{message}")

        takedown = services.title_takedown(title=title, actor=admin_user, reason="DMCA #7")
        deadline = time.monotonic() + 60
        result = ""
        while time.monotonic() < deadline:
            takedown.refresh_from_db()
            result = takedown.messages_results.get(f.file_hash, "")
            if result.startswith("pending:"):  # the worker's run queued the deletion
                result = services.takedown_execute(takedown_id=takedown.pk).messages_results[
                    f.file_hash
                ]
                if result == "deleted":
                    break
            time.sleep(0.2)
        assert result == "deleted", (
            result,
            fake_sent(),
            list(Worker.objects.values("id", "status", "flood_wait_until", "current_task")),
        )
        assert not fake_message_exists(chat_id=chat, message_id=message)
        deletes = [s for s in fake_sent() if s["op"] == "delete"]
        assert deletes == [
            {
                "op": "delete",
                "worker_id": account.pk,
                "chat_id": chat,
                "message_id": message,
                "deleted": True,
            }
        ]
        assert not takedown_incomplete(Takedown.objects.get(pk=takedown.pk))
        # Idempotent: the message is gone, a second deletion finds it absent.
        again = telegram_delete_message.delay(chat, message).get(timeout=30)
        assert again == "absent"
    finally:
        fake_reset()
