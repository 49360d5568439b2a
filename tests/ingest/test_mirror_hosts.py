"""Mirror hosts as adapters, each at its boundary on a local server in its API's format: the
generic multipart host and pixeldrain (upload, check, delete); uploads to every host at once,
each with its own retries and limits."""

from __future__ import annotations

import base64
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from werkzeug import Request, Response

from catalog import services as catalog
from catalog.models import Title
from ingest.mirror_hosts import GenericHttpMirror, PixeldrainMirror, mirror_host
from ingest.mirrors import mirror_check, mirror_delete, mirrors_upload
from jobs.models import Job
from tests.factories import TitleFactory
from tests.medic.factories import stored_file


@pytest.fixture
def blob(tmp_path):
    path = tmp_path / "Film.mkv"
    path.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(4096))
    return path


def pixeldrain_api(server, key="pd-key") -> dict:
    """pixeldrain's file API for one key: PUT a file, its info, DELETE it."""
    files: dict[str, bytes] = {}

    def handler(request: Request) -> Response:
        auth = request.headers.get("Authorization", "")
        if auth != "Basic " + base64.b64encode(f":{key}".encode()).decode():
            body = '{"success": false, "value": "unauthorized", "message": "Unauthorized"}'
            return Response(body, 401, content_type="application/json")
        parts = request.path.split("/")  # ["", "api", "file", id-or-name, ("info")]
        if request.method == "PUT":
            files["abc123"] = request.get_data()
            return Response('{"id": "abc123"}', 201, content_type="application/json")
        file_id = parts[3]
        if file_id not in files:
            body = '{"success": false, "value": "not_found", "message": "File not found"}'
            return Response(body, 404, content_type="application/json")
        if request.method == "DELETE":
            del files[file_id]
            return Response('{"success": true, "value": "file_deleted"}', 200)
        return Response(f'{{"id": "{file_id}", "size": {len(files[file_id])}}}', 200)

    server.expect_request("/api/file/Film.mkv", method="PUT").respond_with_handler(handler)
    for method in ("GET", "DELETE"):
        server.expect_request(
            "/api/file/abc123/info" if method == "GET" else "/api/file/abc123", method=method
        ).respond_with_handler(handler)
    server.expect_request("/api/file/gone/info").respond_with_handler(handler)
    return files


def pixeldrain_host(server, name: str = "pixeldrain", path: str = "/api") -> dict:
    """A MIRROR_HOSTS entry for ``pixeldrain_api`` on ``server`` (public pages on pd.example,
    which nothing fetches)."""
    return {
        "kind": "pixeldrain",
        "name": name,
        "api_key": "pd-key",
        "api_url": server.url_for(path),
        "public_url": f"https://{'pd' if name == 'pixeldrain' else name}.example",
    }


def test_pixeldrain_uploads_checks_and_deletes(file_server, blob, settings):
    files = pixeldrain_api(file_server)
    settings.MIRROR_MIN_BYTES = 1
    settings.MIRROR_HOSTS = [pixeldrain_host(file_server)]
    mirrors, errors = mirrors_upload(path=blob, file_name="Film.mkv", size=blob.stat().st_size)
    assert errors == [] and mirrors[0]["url"] == "https://pd.example/u/abc123"
    assert files["abc123"] == blob.read_bytes()
    assert mirror_check(host_name="pixeldrain", url="https://pd.example/u/abc123") is True
    assert mirror_check(host_name="pixeldrain", url="https://pd.example/u/gone") is False
    assert mirror_check(host_name="nobody", url="https://pd.example/u/abc123") is None
    assert mirror_delete(host_name="pixeldrain", url="https://pd.example/u/abc123") is True
    assert files == {}
    wrong = PixeldrainMirror(name="pd", api_key="nope", api_url=file_server.url_for("/api"))
    with pytest.raises(Exception, match="pd: HTTP 401"):
        wrong.upload(blob, "Film.mkv")


def test_every_host_at_once_each_with_its_retries_and_limits(file_server, blob, settings):
    settings.MIRROR_MIN_BYTES = 1
    settings.MIRROR_RETRY_SECONDS = 0
    settings.MIRROR_RETRIES = 2
    # Both uploads must be under way together to get past the barrier: one after the other,
    # the first would wait alone and fail.
    together = threading.Barrier(2, timeout=10)
    tries = {"flaky": 0, "firm": 0}

    def flaky(request: Request) -> Response:
        tries["flaky"] += 1
        if tries["flaky"] == 1:
            together.wait()
        if tries["flaky"] < 3:
            return Response("busy", 503)
        return Response('{"url": "https://flaky.example/f/1"}', 200)

    def firm(request: Request) -> Response:
        tries["firm"] += 1
        together.wait()
        return Response('{"error": "file type not allowed"}', 415)

    file_server.expect_request("/flaky", method="POST").respond_with_handler(flaky)
    file_server.expect_request("/firm", method="POST").respond_with_handler(firm)
    settings.MIRROR_HOSTS = [
        {"name": "Flaky", "upload_url": file_server.url_for("/flaky")},
        {"name": "Firm", "upload_url": file_server.url_for("/firm")},
        {"name": "Small", "upload_url": file_server.url_for("/small"), "max_bytes": 10},
    ]
    mirrors, errors = mirrors_upload(path=blob, file_name="Film.mkv", size=blob.stat().st_size)
    assert [m["url"] for m in mirrors] == ["https://flaky.example/f/1"]
    assert tries == {"flaky": 3, "firm": 1}  # a refusal is not retried
    assert errors == ["Firm: HTTP 415", "Small: the file is over its 10 byte limit"]
    # A host that keeps failing gives up after its tries.
    settings.MIRROR_HOSTS = [{"name": "Down", "upload_url": "http://127.0.0.1:9/up"}]
    assert mirrors_upload(path=blob, file_name="Film.mkv", size=4100)[1] == [
        "Down: ConnectError (after 3 tries)"
    ]


def test_the_generic_host_deletes_when_told_how(file_server):
    file_server.expect_request("/f/1", method="DELETE").respond_with_data("", status=204)
    host = GenericHttpMirror(name="g", upload_url="", delete_method="DELETE", api_key="k")
    assert host.delete(file_server.url_for("/f/1")) is True
    assert GenericHttpMirror(name="g", upload_url="").delete(file_server.url_for("/f/1")) is False
    request = next(r for r, _ in file_server.log if r.method == "DELETE")
    assert request.headers["Authorization"] == "Bearer k"


def test_an_unknown_kind_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="unknown kind 'ftp'"):
        mirror_host({"name": "Old", "kind": "ftp"})
    with pytest.raises(ImproperlyConfigured, match="'PD'"):
        mirror_host({"name": "PD", "kind": "pixeldrain"})  # no api_key


@pytest.mark.django_db
def test_deleting_a_file_deletes_its_copies_on_our_hosts(
    file_server, settings, django_capture_on_commit_callbacks
):
    """A title deleted (its files with it): the copy on a configured host is deleted by a job;
    a copy on a host we do not run is left alone; a delete rolled back queues nothing."""
    files = pixeldrain_api(file_server)
    files["abc123"] = b"copy"
    settings.MIRROR_HOSTS = [pixeldrain_host(file_server)]
    title = TitleFactory()
    media_file = stored_file(title)
    catalog.mirrors_set(
        media_file=media_file,
        mirrors=[
            {"host": "pixeldrain", "url": "https://pd.example/u/abc123"},
            {"host": "mega", "url": "https://mega.example/x"},
        ],
    )
    title_id = title.pk
    with pytest.raises(RuntimeError), transaction.atomic():
        catalog.title_delete(title=title)
        raise RuntimeError("rolled back")
    assert not Job.objects.filter(kind="mirror_delete").exists()

    with django_capture_on_commit_callbacks(execute=True):
        catalog.title_delete(title=Title.objects.get(pk=title_id))
    job = Job.objects.get(kind="mirror_delete")
    assert job.payload == {"host": "pixeldrain", "url": "https://pd.example/u/abc123"}
    assert job.status == "done" and job.state["result"] == {"deleted": True}
    assert files == {}
