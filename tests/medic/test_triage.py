"""Automatic triage against a real local HTTP server (200, 404, 405, timeout, redirect loop),
the local vault and ffprobe."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest
from werkzeug import Response

from catalog import services as catalog
from catalog.models import DownloadMirror, FileStatus, MediaFile, Title
from medic import checks, services
from medic.models import LinkCheck, Repair, Report
from tests.factories import TitleFactory, UserFactory
from tests.medic.factories import movie_with_mirrors, report_on, stored_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_checks(settings):
    settings.MEDIC_CHECK_TIMEOUT = 0.5
    settings.MEDIC_CHECK_HOST_DELAY = 0.0


@pytest.fixture
def links(web):
    httpserver = web
    httpserver.expect_request("/ok", method="HEAD").respond_with_data("", status=200)
    httpserver.expect_request("/gone", method="HEAD").respond_with_data("", status=404)
    httpserver.expect_request("/nohead", method="HEAD").respond_with_data("", status=405)
    httpserver.expect_request(
        "/nohead", method="GET", headers={"Range": "bytes=0-0"}
    ).respond_with_data("x", status=206)

    def slow(request):
        time.sleep(2)
        return Response("", status=200)

    httpserver.expect_request("/slow").respond_with_handler(slow)
    httpserver.expect_request("/loop").respond_with_response(
        Response("", status=302, headers={"Location": "/loop"})
    )
    return httpserver


def test_check_urls_classifies_each_answer(links):
    url = links.url_for
    results = checks.check_urls(
        [url("/ok"), url("/gone"), url("/nohead"), url("/slow"), url("/loop")]
    )
    ok, gone, nohead, slow, loop = (
        results[url(p)] for p in ("/ok", "/gone", "/nohead", "/slow", "/loop")
    )
    assert (ok.ok, ok.status_code, ok.method) == (True, 200, "HEAD")
    assert (gone.ok, gone.status_code, gone.transient) == (False, 404, False)
    # 405 on HEAD → GET with Range: bytes=0-0, answered 206.
    assert (nohead.ok, nohead.status_code, nohead.method) == (True, 206, "GET")
    assert (slow.ok, slow.error, slow.transient) == (False, "timeout", True)
    assert slow.elapsed_ms < 1900
    assert not loop.ok and "redirect loop" in loop.error


@pytest.mark.parametrize("per_host", [1, 3])
def test_per_host_concurrency_is_bounded(web, settings, per_host):
    settings.MEDIC_CHECK_PER_HOST = per_host
    settings.MEDIC_CHECK_HOST_DELAY = 0.0
    # Each answer takes 0.2 s; the module's 0.5 s timeout (for its slow-host test) failed
    # this one on a loaded machine (CI run beside an encoder).
    settings.MEDIC_CHECK_TIMEOUT = 5.0
    lock = threading.Lock()
    active, peak = [0], [0]

    def handler(request):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        return Response("", status=200)

    web.expect_request("/f", method="HEAD").respond_with_handler(handler)
    urls = [web.url_for(f"/f?n={n}") for n in range(6)]
    results = checks.check_urls(urls)
    assert all(r.ok for r in results.values())
    assert peak[0] == per_host


def test_politeness_spaces_requests_to_one_host(web, settings):
    settings.MEDIC_CHECK_HOST_DELAY = 0.2
    web.expect_request("/p", method="HEAD").respond_with_data("", status=200)
    started = time.monotonic()
    checks.check_urls([web.url_for(f"/p?n={n}") for n in range(4)])
    assert time.monotonic() - started >= 0.6


def test_healthy_target_stays_pending_with_the_result(links):
    _title, f = movie_with_mirrors(links.url_for("/ok"), links.url_for("/nohead"))
    report = report_on(f)
    result = services.report_triage(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "pending"
    assert report.checked_at is not None
    assert report.auto_fix_attempted is False
    assert result["verdict"] == "healthy"
    assert report.check_result["files"][0]["vault"]["ok"] is True
    assert {m["status_code"] for m in report.check_result["files"][0]["mirrors"]} == {200, 206}
    assert not Repair.objects.exists()
    assert LinkCheck.objects.filter(report=report).count() == 3  # two mirrors + the vault
    # Checked once: a second run does nothing.
    assert services.report_triage(report_id=report.pk) is None


@pytest.mark.parametrize("path", ["/gone", "/slow", "/loop"])
def test_dead_mirror_marks_it_dead_and_starts_repair(
    links, path, django_capture_on_commit_callbacks
):
    title, f = movie_with_mirrors(links.url_for("/ok"), links.url_for(path))
    report = report_on(f)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.report_triage(report_id=report.pk)
    assert result["verdict"] == "broken"
    report.refresh_from_db()
    assert report.status == "repairing"
    assert report.auto_fix_attempted is True
    dead = DownloadMirror.objects.get(url=links.url_for(path))
    assert dead.status == "dead"
    assert dead.last_checked_at is not None
    assert DownloadMirror.objects.get(url=links.url_for("/ok")).status == "active"
    assert Title.objects.get(pk=title.pk).status == "repairing"
    repair = Repair.objects.get(media_file=f)
    assert repair.status == "open"
    assert not repair.needs_new_bytes
    assert callbacks  # the repair task is queued on commit
    # The document shows the mirror dead and the title repairing.
    doc = Title.objects.get(pk=title.pk).document
    assert doc["status"] == "repairing"
    assert {d["status"] for d in doc["files"][0]["downloads"]} == {"active", "dead"}


def test_unreadable_vault_file_is_marked_dead(django_capture_on_commit_callbacks):
    title = TitleFactory()
    from tests.factories import add_file

    f = add_file(title, ref="0" * 64)  # a local ref with no bytes behind it
    report = report_on(f)
    with django_capture_on_commit_callbacks(execute=False):
        services.report_triage(report_id=report.pk)
    assert MediaFile.objects.get(pk=f.pk).status == FileStatus.DEAD
    assert (
        "not found" in Report.objects.get(pk=report.pk).check_result["files"][0]["vault"]["error"]
    )
    assert f.file_hash not in str(Title.objects.get(pk=title.pk).document)


def _video(tmp_path, *, audio: bool) -> bytes:
    out = tmp_path / ("av.mkv" if audio else "v.mkv")
    cmd = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=1"]
    if audio:
        cmd += ["-f", "lavfi", "-i", "sine=duration=1", "-c:a", "libopus"]
    cmd += ["-c:v", "mpeg4", "-y", str(out)]
    subprocess.run(cmd, check=True)
    return out.read_bytes()


def test_wrong_audio_with_no_audio_stream_needs_new_bytes(
    tmp_path, django_capture_on_commit_callbacks
):
    title = TitleFactory()
    f = stored_file(title, content=_video(tmp_path, audio=False))
    report = report_on(f, issue="wrong_audio")
    with django_capture_on_commit_callbacks(execute=False):
        services.report_triage(report_id=report.pk)
    report.refresh_from_db()
    assert report.check_result["files"][0]["ffprobe"]["audio_streams"] == 0
    assert report.status == "repairing"
    assert Repair.objects.get(media_file=f).needs_new_bytes is True


def test_wrong_audio_with_audio_stays_pending(tmp_path):
    title = TitleFactory()
    f = stored_file(title, content=_video(tmp_path, audio=True))
    report = report_on(f, issue="wrong_audio")
    services.report_triage(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "pending"
    assert report.check_result["files"][0]["ffprobe"]["audio_streams"] == 1


def test_missing_pages_checks_the_chapter():
    manga = TitleFactory(media_type="manga")
    chapter = catalog.chapter_add(manga=manga, number=1, backend="local", ref="", pages=[])
    report, _ = services.report_create(
        actor=UserFactory(), title=manga, chapter=chapter, issue="missing_pages"
    )
    result = services.report_triage(report_id=report.pk)
    assert result["verdict"] == "broken"
    assert Repair.objects.get(chapter=chapter).status == "open"
