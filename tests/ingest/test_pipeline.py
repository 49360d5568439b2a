"""The ingestion pipeline end to end in one process (Celery eager): URL leech from a local
HTTP server → blocked-hash check → probe/subtitles/screenshots → vault → TMDB (local server
in TMDB's format) → attach → publish → broadcast card → wishlist DM."""

from __future__ import annotations

import zipfile

import pytest

from accounts.models import WishlistEntry
from catalog.models import MediaFile, Title, TitleStatus
from core.models import AdminAlert
from ingest.kinds import JobKind
from ingest.models import Broadcast
from ingest.pipeline import ingest_url_create
from jobs.models import Job, JobStatus
from swarm.models import Channel, Worker
from swarm.telegram.fake import fake_sent
from swarm.workers import worker_set_session
from tests.factories import UserFactory
from tests.support.omdb import omdb_install, omdb_settings
from tests.support.swarm import TMDB_KEY, FileServe, tmdb_install

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def swarm_setup(fake_telegram):
    """One ingest account and the public/admin channels."""
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")
    Channel.objects.create(name="Updates", kind=Channel.Kind.PUBLIC_UPDATES, chat_id=-1001)
    Channel.objects.create(name="Alerts", kind=Channel.Kind.ADMIN_ALERTS, chat_id=-1004)
    return worker


@pytest.fixture
def tmdb(file_server, settings):
    tmdb_install(file_server)
    settings.TMDB_API_KEY = TMDB_KEY
    settings.TMDB_BASE_URL = file_server.url_for("/3")
    return file_server


def test_url_ingest_with_tmdb_publishes_broadcasts_and_notifies(
    media, swarm_setup, tmdb, file_server
):
    asker = UserFactory(telegram_id=5550001)
    WishlistEntry.objects.create(
        user=asker,
        query="big test movie 2021",
        query_clean="big test movie 2021",
        status="requested",
    )
    file_server.expect_request(f"/dl/{media.movie.name}").respond_with_handler(
        FileServe(media.movie)
    )
    url = file_server.url_for(f"/dl/{media.movie.name}")

    job = ingest_url_create(url=url)
    job.refresh_from_db()

    assert job.status == JobStatus.DONE, job.last_error
    assert job.progress == 100
    assert job.steps_done[:4] == ["source", "hash", "unpack", "probe"]
    assert job.steps_done[-2:] == ["cleanup", "documents"]
    title = Title.objects.get(pk=job.state["result"]["title_id"])
    assert (title.title, title.year, title.tmdb_id) == ("Big Test Movie", 2021, 424242)
    assert title.status == TitleStatus.AVAILABLE
    assert sorted(g.name for g in title.genres.all()) == ["Action", "Drama"]
    assert title.poster and title.backdrop  # re-hosted in the vault, not TMDB URLs
    assert not title.poster.startswith("http")
    media_file = MediaFile.objects.get(title=title)
    assert media_file.quality == "240p" and media_file.video_codec == "h264"
    assert {s.lang for s in media_file.subtitles.all()} == {"eng", "spa", "fre"}
    assert media_file.subtitles.filter(kind="text").exclude(vtt_ref="").count() == 2
    assert title.screenshots.count() == 5
    assert title.document["files"][0]["file_hash"] == media_file.file_hash

    # The card went to the public channel once, the asker got one DM.
    sent = fake_sent()
    cards = [m for m in sent if m["op"] == "photo" and m["chat_id"] == -1001]
    assert len(cards) == 1 and "Big Test Movie (2021)" in cards[0]["caption"]
    assert Broadcast.objects.get(title=title).message_id == cards[0]["message_id"]
    dms = [m for m in sent if m["op"] == "bot_message"]
    assert [m["chat_id"] for m in dms] == [5550001]
    entry = WishlistEntry.objects.get(user=asker)
    assert entry.title_id == title.id and entry.notified_at is not None
    # One notifier job per publication (queued by the publication, not again by the ingest).
    assert Job.objects.filter(kind=JobKind.WISHLIST_NOTIFY).count() == 1

    # Ingesting the same bytes again attaches nothing and broadcasts nothing.
    again = ingest_url_create(url=url)
    again.refresh_from_db()
    assert again.status == JobStatus.DONE
    assert again.state["result"] == {
        "duplicate_of_media_file": media_file.id,
        "title_id": title.id,
    }
    assert MediaFile.objects.count() == 1
    assert len([m for m in fake_sent() if m["op"] == "photo"]) == 1


def test_without_tmdb_key_title_is_created_processing_from_the_name(
    media, swarm_setup, file_server, settings
):
    settings.TMDB_API_KEY = ""
    file_server.expect_request(f"/{media.movie.name}").respond_with_handler(FileServe(media.movie))
    job = ingest_url_create(url=file_server.url_for(f"/{media.movie.name}"))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    title = Title.objects.get()
    assert (title.title, title.year, title.tmdb_id) == ("Big Test Movie", 2021, None)
    assert title.status == TitleStatus.PROCESSING  # an editor confirms it
    assert MediaFile.objects.filter(title=title).count() == 1
    assert not Broadcast.objects.exists()  # not published, not broadcast
    assert not Job.objects.filter(kind=JobKind.BROADCAST).exists()


def test_an_omdb_match_publishes_a_title_tmdb_does_not_know(
    media, swarm_setup, file_server, settings
):
    settings.TMDB_API_KEY = ""
    omdb_settings(settings, file_server)
    omdb_install(file_server)
    file_server.expect_request(f"/{media.movie.name}").respond_with_handler(FileServe(media.movie))
    job = ingest_url_create(url=file_server.url_for(f"/{media.movie.name}"))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    assert job.steps_done[job.steps_done.index("tmdb") + 1] == "omdb"
    title = Title.objects.get()
    assert (title.imdb_id, title.status) == ("tt0000424", TitleStatus.AVAILABLE)
    assert Broadcast.objects.filter(title=title).exists()


def test_a_season_pack_by_url_is_split_into_its_episodes(
    media, swarm_setup, tmdb, file_server, tmp_path
):
    pack = tmp_path / "Test.Show.S01.720p.zip"
    with zipfile.ZipFile(pack, "w") as zf:
        zf.write(media.episode1, media.episode1.name)
        zf.write(media.episode2, media.episode2.name)
    file_server.expect_request(f"/{pack.name}").respond_with_handler(FileServe(pack))
    job = ingest_url_create(url=file_server.url_for(f"/{pack.name}"))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    assert [(line["episode"], line["status"]) for line in job.state["result"]["pack"]] == [
        (1, "ingested"),
        (2, "ingested"),
    ]
    assert "probe" not in job.steps_done and job.steps_done[-1] == "documents"
    series = Title.objects.get()
    assert (series.tmdb_id, series.status) == (777001, TitleStatus.AVAILABLE)  # TMDB vouched
    assert MediaFile.objects.filter(title=series).count() == 2
    children = Job.objects.filter(kind=JobKind.INGEST_LOCAL)
    assert children.count() == 2 and all(not c.payload["publish"] for c in children)


def test_blocked_file_is_dropped_and_alerted(media, swarm_setup, file_server):
    from ingest.blocked import blocked_hash_add, file_sha256

    blocked_hash_add(sha256=file_sha256(media.movie), reason="takedown")
    file_server.expect_request("/m.mkv").respond_with_handler(FileServe(media.movie))
    job = ingest_url_create(url=file_server.url_for("/m.mkv"))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "blocked" in job.last_error
    assert not MediaFile.objects.exists() and not Title.objects.exists()
    alert = AdminAlert.objects.get(kind=AdminAlert.Kind.BLOCKED_HASH)
    # The alert went to the admin_alerts channel through a leased account.
    posts = [m for m in fake_sent() if m["chat_id"] == -1004]
    assert len(posts) == 1 and "Blocked file" in posts[0]["text"]
    alert.refresh_from_db()
    assert alert.sent_at is not None


def test_not_a_video_fails_with_the_reason(media, swarm_setup, file_server):
    file_server.expect_request("/broken.mkv").respond_with_handler(FileServe(media.corrupt))
    job = ingest_url_create(url=file_server.url_for("/broken.mkv"))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.last_error.startswith("not a playable video")
    assert job.steps_done == ["source", "hash", "unpack"]  # not an archive: on to the probe
    assert not MediaFile.objects.exists() and not Title.objects.exists()
