"""Scheduled link health: oldest first, batches, transient vs definitive failures, history,
and a newly dead link going into the same repair path."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from catalog import services as catalog
from catalog.models import DownloadMirror, Embed, Title
from medic import services
from medic.models import LinkCheck, Repair
from tests.factories import TitleFactory
from tests.medic.factories import stored_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast(settings):
    settings.MEDIC_CHECK_TIMEOUT = 0.5
    settings.MEDIC_CHECK_HOST_DELAY = 0.0


def _file_with(web, mirror_path, embed_path=None, backup_path=None):
    title = TitleFactory()
    f = stored_file(title, backup_url=web.url_for(backup_path) if backup_path else "")
    catalog.mirrors_set(media_file=f, mirrors=[{"host": "m", "url": web.url_for(mirror_path)}])
    if embed_path:
        catalog.embeds_set(media_file=f, embeds=[{"host": "e", "url": web.url_for(embed_path)}])
    return title, f


def test_batch_checks_oldest_first_and_records_history(web):
    web.expect_request("/a").respond_with_data("", status=200)
    web.expect_request("/b").respond_with_data("", status=200)
    web.expect_request("/c").respond_with_data("", status=200)
    _file_with(web, "/a")
    _, fb = _file_with(web, "/b")
    _, fc = _file_with(web, "/c")
    now = timezone.now()
    DownloadMirror.objects.filter(media_file=fb).update(
        last_checked_at=now - datetime.timedelta(days=3)
    )
    DownloadMirror.objects.filter(media_file=fc).update(
        last_checked_at=now - datetime.timedelta(hours=1)
    )
    counts = services.links_health_batch(size=2)
    # Never checked (/a) first, then the oldest check (/b); /c was checked an hour ago.
    checked = set(LinkCheck.objects.filter(kind="mirror").values_list("url", flat=True))
    assert checked == {web.url_for("/a"), web.url_for("/b")}
    assert counts["checked"] == 2 and counts["alive"] == 2
    assert DownloadMirror.objects.filter(last_checked_at__gte=now).count() == 2
    # Nothing is due now (both fresh, /c is younger than the minimum age).
    assert services.links_health_batch(size=10)["checked"] == 0


def test_definitive_failure_is_dead_at_once_and_repair_opens(web):
    web.expect_request("/gone").respond_with_data("", status=404)
    web.expect_request("/embed").respond_with_data("", status=200)
    title, f = _file_with(web, "/gone", "/embed")
    counts = services.links_health_batch()
    assert counts["newly_dead"] == 1
    assert DownloadMirror.objects.get(media_file=f).status == "dead"
    assert Embed.objects.get(media_file=f).status == "active"
    assert Repair.objects.get(media_file=f).status == "open"
    assert Title.objects.get(pk=title.pk).status == "repairing"


def test_transient_failure_needs_medic_dead_after_checks(web, settings):
    settings.MEDIC_DEAD_AFTER = 2
    web.expect_request("/busy").respond_with_data("", status=503)
    _, f = _file_with(web, "/busy")
    services.links_health_batch()
    mirror = DownloadMirror.objects.get(media_file=f)
    assert mirror.status == "active" and mirror.last_checked_at is not None
    DownloadMirror.objects.filter(pk=mirror.pk).update(last_checked_at=None)
    services.links_health_batch()
    assert DownloadMirror.objects.get(pk=mirror.pk).status == "dead"
    assert LinkCheck.objects.filter(kind="mirror", link_id=mirror.pk, ok=False).count() == 2


@pytest.mark.parametrize(
    "url",
    ["http://host-that-does-not-resolve.invalid/file.mkv", "http://127.0.0.1:9/refused.mkv"],
    ids=["dns", "refused"],
)
def test_a_host_that_is_gone_is_dead_after_the_spaced_checks_not_retried_forever(url, settings):
    settings.MEDIC_DEAD_AFTER = 3
    title = TitleFactory()
    f = stored_file(title)
    catalog.mirrors_set(media_file=f, mirrors=[{"host": "gone", "url": url}])
    mirror = DownloadMirror.objects.get(media_file=f)
    seen = []
    for _ in range(3):
        DownloadMirror.objects.filter(pk=mirror.pk).update(last_checked_at=None)  # next spacing
        services.links_health_batch()
        seen.append(DownloadMirror.objects.get(pk=mirror.pk).status)
    assert seen == ["active", "active", "dead"]
    assert Repair.objects.filter(media_file=f).exists()


def test_a_dead_link_that_answers_again_is_active(web):
    web.expect_request("/back").respond_with_data("", status=200)
    _, f = _file_with(web, "/back")
    mirror = DownloadMirror.objects.get(media_file=f)
    catalog.link_set_status(link=mirror, status="dead", checked=False)
    services.links_health_batch()
    assert DownloadMirror.objects.get(pk=mirror.pk).status == "active"


def test_backup_urls_are_checked_and_kept_in_history(web):
    web.expect_request("/m").respond_with_data("", status=200)
    web.expect_request("/backup").respond_with_data("", status=410)
    _, f = _file_with(web, "/m", backup_path="/backup")
    services.links_health_batch()
    check = LinkCheck.objects.get(kind="backup", link_id=f.pk)
    assert (check.ok, check.status_code) == (False, 410)
    # Checked recently: not picked again.
    services.links_health_batch()
    assert LinkCheck.objects.filter(kind="backup", link_id=f.pk).count() == 1


def test_taken_down_titles_are_not_checked(web):
    web.expect_request("/x").respond_with_data("", status=200)
    title, _ = _file_with(web, "/x")
    catalog.title_set_status(title=title, status="banned")
    assert services.links_health_batch()["checked"] == 0


def test_beat_schedule_is_in_django_celery_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="medic: link health batch")
    assert task.task == "medic.tasks.links_health_batch"
    assert (task.interval.every, task.interval.period) == (15 * 60, "seconds")
    assert PeriodicTask.objects.get(name="medic: resume open repairs").enabled
    # The names are registered Celery tasks.
    from streamvault.celery import app

    app.loader.import_default_modules()  # what a worker does at start (autodiscovery)
    assert {"medic.tasks.links_health_batch", "medic.tasks.repairs_resume"} <= set(app.tasks)
