"""Download packs kept built: a season's pack follows its episodes as they arrive, are replaced
or die (one build for a burst of arrivals), a manga keeps a pack of every chapter, the zip a
rebuild replaces leaves the vault, and staff build packs at once from the admin and the bot —
on a committed database, with the signals, the jobs and a real Celery worker."""

from __future__ import annotations

import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from catalog import services as catalog
from catalog.models import ChapterPack, MediaFile, SeasonPack, Title
from ingest.kinds import JobKind
from ingest.packs import chapter_pack_build
from ingest.packs_auto import pack_schedule
from jobs.engine import job_run
from jobs.models import Job, JobStatus
from tests.factories import StaffFactory, UserFactory
from tests.support.bot import FakeBotClient, bot_message, dispatch, press, text_message, tg_user
from tests.support.swarm import wait_for
from vault import get_backend

pytestmark = pytest.mark.django_db(transaction=True)


def _members(pack) -> list[str]:
    path = get_backend(pack.backend).path(pack.ref)
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.namelist())


def _exists(backend: str, ref: str) -> bool:
    return get_backend(backend).path(ref).exists()


def _builds() -> list[Job]:
    return list(Job.objects.filter(kind=JobKind.PACK_BUILD).order_by("id"))


def test_a_season_pack_follows_its_episodes(media, settings):
    settings.PACKS_DELAY_SECONDS = 0
    call_command("ingest_local", str(media.episode1))
    pack = SeasonPack.objects.get()
    assert pack.episodes == [1] and pack.fingerprint
    assert _members(pack) == ["Test Show S01E01 [240p].mkv"]
    first = (pack.backend, pack.ref)

    call_command("ingest_local", str(media.episode2))
    pack = SeasonPack.objects.get()
    assert pack.episodes == [1, 2]
    assert _members(pack) == ["Test Show S01E01 [240p].mkv", "Test Show S01E02 [240p].mkv"]
    assert not _exists(*first)  # the zip it replaced left the vault
    series = Title.objects.get()
    assert [s["episodes"] for s in series.document["season_packs"]] == [[1, 2]]

    # A file that dies leaves the pack; the last one gone, the pack goes too.
    two = MediaFile.objects.get(episode__number=2)
    catalog.media_file_set_status(media_file=two, status="dead")
    pack = SeasonPack.objects.get()
    assert pack.episodes == [1]
    second = (pack.backend, pack.ref)
    catalog.media_file_set_status(
        media_file=MediaFile.objects.get(episode__number=1), status="dead"
    )
    assert not SeasonPack.objects.exists() and not _exists(*second)
    assert all(j.status == JobStatus.DONE for j in _builds())
    assert _builds()[-1].state["result"] == {"removed": True}


def test_a_burst_of_arrivals_builds_once(media, settings):
    settings.PACKS_DELAY_SECONDS = 300  # queued for later (eager mode leaves them queued)
    call_command("ingest_local", str(media.episode1))
    call_command("ingest_local", str(media.episode2))
    older, newer = _builds()
    assert older.status == newer.status == JobStatus.QUEUED and older.not_before
    assert not SeasonPack.objects.exists()
    Job.objects.filter(kind=JobKind.PACK_BUILD).update(not_before=timezone.now())  # time passes
    job_run(job_id=older.pk)
    older.refresh_from_db()
    skipped = "the files changed since; a newer job builds the pack"
    assert older.state["result"] == {"skipped": skipped}
    job_run(job_id=newer.pk)
    assert SeasonPack.objects.get().episodes == [1, 2]
    # Up to date: asking again queues nothing.
    series = Title.objects.get()
    assert pack_schedule(title_id=series.pk, season=1) is None
    assert len(_builds()) == 2


def test_packs_off_queue_nothing(media, settings):
    settings.PACKS_AUTO = False
    call_command("ingest_local", str(media.episode1))
    assert not _builds() and not SeasonPack.objects.exists()


def test_a_manga_keeps_a_pack_of_every_chapter(media, settings):
    settings.PACKS_DELAY_SECONDS = 0
    call_command("ingest_local", str(media.cbz))
    manga = Title.objects.get()
    call_command("ingest_local", str(media.folder), "--title", manga.short_id, "--chapter", "8")
    packs = list(ChapterPack.objects.exclude(fingerprint=""))
    assert len(packs) == 1 and packs[0].chapters == [7, 8]
    # A span an operator chose stays beside it; when the kept pack comes to that span, it
    # takes the row over and the operator's zip leaves the vault with the old kept one.
    chosen = chapter_pack_build(manga=manga, chapters=[7])
    assert ChapterPack.objects.filter(pk=chosen.pk, fingerprint="").exists()
    assert ChapterPack.objects.count() == 2
    catalog.chapter_remove(chapter=manga.chapters.get(number=8))
    kept = ChapterPack.objects.get()
    assert kept.chapters == [7] and kept.fingerprint
    assert not _exists(packs[0].backend, packs[0].ref)


def test_the_admin_action_and_the_bot_build_at_once(media, settings, client):
    settings.PACKS_AUTO = False
    call_command("ingest_local", str(media.episode1))
    series = Title.objects.get()
    staff = StaffFactory()
    client.force_login(staff)
    response = client.post(
        reverse("admin:catalog_title_changelist"),
        {"action": "build_packs", "_selected_action": [series.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [f"Queued: {series}: season 1."]
    assert SeasonPack.objects.get().episodes == [1]
    assert _builds()[0].created_by == staff
    response = client.post(
        reverse("admin:catalog_title_changelist"),
        {"action": "build_packs", "_selected_action": [series.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Every pack is up to date (movies have none)."
    ]

    SeasonPack.objects.all().delete()
    admin = UserFactory(role="admin", is_superuser=True, is_staff=True)
    bot = FakeBotClient()
    dispatch(bot, text_message(bot, tg_user(admin), f"/edit {series.short_id}"))
    assert ("📦 Build packs", f"edk|{series.pk}") in bot.buttons()
    press(bot, tg_user(admin), f"edk|{series.pk}", bot_message(bot))
    assert bot.answers[-1]["text"] == "📦 Building: season 1."
    assert SeasonPack.objects.get().episodes == [1]


def test_the_build_on_a_real_worker(media, settings, celery_worker):
    settings.PACKS_AUTO = False
    call_command("ingest_local", str(media.episode1))
    series = Title.objects.get()
    job = pack_schedule(title_id=series.pk, season=1, delay=0)
    assert wait_for(
        lambda: Job.objects.filter(pk=job.pk, status=JobStatus.DONE).exists(), timeout=60
    )
    assert SeasonPack.objects.get().episodes == [1]
    # The file's rendition went to the worker too: let it finish before the test ends.
    assert wait_for(
        lambda: not Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).exists(),
        timeout=60,
    )
