"""Copies on a mirror host with an API of its own (pixeldrain, on a local server in its API's
format): the medic asks that API whether a copy is still there instead of fetching a public
page, and a takedown deletes the copies a host lets it delete, leaving the rest to a human."""

from __future__ import annotations

import pytest

from catalog import services as catalog
from catalog.models import DownloadMirror
from medic import services
from medic.models import LinkCheck, Repair
from tests.factories import StaffFactory, TitleFactory
from tests.ingest.test_mirror_hosts import pixeldrain_api, pixeldrain_host
from tests.medic.factories import stored_file

pytestmark = pytest.mark.django_db

KEPT = "https://pd.example/u/abc123"
GONE = "https://pd.example/u/gone"


@pytest.fixture
def pixeldrain(web, settings):
    files = pixeldrain_api(web)
    files["abc123"] = b"the copy"
    # The public pages (pd.example) are never fetched: they do not even resolve here.
    settings.MIRROR_HOSTS = [pixeldrain_host(web), pixeldrain_host(web, "busy", "/busy")]
    settings.MEDIC_CHECK_TIMEOUT = 0.5
    return files


def _mirrored(*mirrors: tuple[str, str]):
    title = TitleFactory()
    f = stored_file(title)
    catalog.mirrors_set(media_file=f, mirrors=[{"host": host, "url": url} for host, url in mirrors])
    return title, f


def test_the_medic_asks_the_hosts_api(pixeldrain, web, settings):
    settings.MEDIC_DEAD_AFTER = 2
    web.expect_request("/busy/file/b1/info").respond_with_data("", status=503)
    _, kept = _mirrored(("pixeldrain", KEPT))
    _, gone = _mirrored(("pixeldrain", GONE))
    _, busy = _mirrored(("busy", "https://busy.example/u/b1"))

    counts = services.links_health_batch()

    assert counts["checked"] == 3 and counts["newly_dead"] == 1
    assert DownloadMirror.objects.get(media_file=kept).status == "active"
    assert DownloadMirror.objects.get(media_file=gone).status == "dead"
    assert Repair.objects.filter(media_file=gone).exists()
    assert not Repair.objects.filter(media_file=kept).exists()
    # A host that cannot say (a 503 from its API) is a transient failure, not a dead copy.
    assert DownloadMirror.objects.get(media_file=busy).status == "active"
    rows = {r.url: r for r in LinkCheck.objects.filter(kind="mirror")}
    assert rows[KEPT].ok and not rows[GONE].ok and rows[GONE].error == "not on pixeldrain (its API)"
    assert rows["https://busy.example/u/b1"].error == "busy: HTTP 503"


def test_a_takedown_deletes_the_copies_it_can(pixeldrain, web, django_capture_on_commit_callbacks):
    title, f = _mirrored(("pixeldrain", KEPT), ("mega", "https://mega.example/x"))
    # The host is down for the first try: the takedown stays incomplete and the sweep's second
    # run deletes the copy.
    web.expect_oneshot_request("/api/file/abc123", method="DELETE").respond_with_data(
        "", status=503
    )
    with django_capture_on_commit_callbacks(execute=True):
        takedown = services.title_takedown(title=title, actor=StaffFactory(), reason="DMCA")
    takedown.refresh_from_db()
    assert takedown.messages_results["mirror:" + KEPT] == "error: pixeldrain: HTTP 503"
    assert takedown.messages_results["mirror:https://mega.example/x"] == "by hand"
    assert services.takedown_incomplete(takedown)

    takedown = services.takedown_execute(takedown_id=takedown.pk)
    assert takedown.messages_results["mirror:" + KEPT] == "deleted"
    assert pixeldrain == {}
    assert not services.takedown_incomplete(takedown)
    assert services.takedown_mirrors_by_hand(takedown) == [
        {"file_hash": f.file_hash, "host": "mega", "url": "https://mega.example/x"}
    ]
