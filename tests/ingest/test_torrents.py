"""Torrent and magnet sources with a real BitTorrent client on both ends: a libtorrent seeder on
loopback, our client fetching a magnet's metadata from it (or a .torrent from a local HTTP
server), checking what it holds before downloading, and fetching only the videos; then the
usual ingest. Submissions take magnet links, quarantined like any link."""

from __future__ import annotations

import shutil
from pathlib import Path

import libtorrent as lt
import pytest

from catalog.models import Episode, MediaFile, Title
from ingest.admin import IngestUrlForm
from ingest.models import Submission
from ingest.pipeline import ingest_url_create
from ingest.torrents import is_torrent_link, torrent_download, torrent_link_error
from jobs.engine import PermanentError, TransientError
from jobs.models import JobStatus
from swarm.models import Worker
from swarm.workers import worker_set_session
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Seeder:
    """A libtorrent session on loopback seeding ``root`` (a file, or a folder of files)."""

    def __init__(self, root: Path) -> None:
        files = lt.file_storage()
        lt.add_files(files, str(root))
        torrent = lt.create_torrent(files)
        lt.set_piece_hashes(torrent, str(root.parent))
        self.data = lt.bencode(torrent.generate())
        self.info = lt.torrent_info(self.data)
        self.session = lt.session(
            {
                "listen_interfaces": "127.0.0.1:0",
                "enable_dht": False,
                "enable_lsd": False,
                "enable_upnp": False,
                "enable_natpmp": False,
                "allow_multiple_connections_per_ip": True,
            }
        )
        params = lt.add_torrent_params()
        params.ti = self.info
        params.save_path = str(root.parent)
        self.session.add_torrent(params)

    @property
    def peer(self) -> str:
        return f"127.0.0.1:{self.session.listen_port()}"

    @property
    def magnet(self) -> str:
        return f"magnet:?xt=urn:btih:{self.info.info_hash()}&dn=x&x.pe={self.peer}"


@pytest.fixture
def torrent_settings(settings):
    settings.TORRENT_LISTEN = "127.0.0.1:0"
    settings.TORRENT_DHT = False
    settings.TORRENT_METADATA_SECONDS = 20
    settings.TORRENT_STALL_SECONDS = 20


@pytest.fixture
def season(media, tmp_path) -> Path:
    folder = tmp_path / "seed" / "Test.Show.S01.720p"
    folder.mkdir(parents=True)
    shutil.copy(media.episode1, folder)
    shutil.copy(media.episode2, folder)
    (folder / "Test.Show.S01.nfo").write_text("release notes")
    (folder / "setup.exe").write_bytes(b"MZ" + bytes(2000))
    return folder


@pytest.fixture
def ingest_account(fake_telegram):
    worker = Worker.objects.create(name="w1")
    worker_set_session(worker=worker, session_string="session-w1")


def test_a_magnet_for_one_movie_is_ingested(media, tmp_path, torrent_settings, ingest_account):
    seed = tmp_path / "seed"
    seed.mkdir()
    shutil.copy(media.movie, seed)
    seeder = Seeder(seed / media.movie.name)
    job = ingest_url_create(url=seeder.magnet)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    title = Title.objects.get()
    assert (title.title, title.year) == ("Big Test Movie", 2021)
    assert MediaFile.objects.get().file_hash == job.state["sha256"]
    assert job.state["source"]["origin"] == seeder.magnet


def test_a_torrent_file_of_a_season_ingests_each_episode(
    season, file_server, torrent_settings, settings, ingest_account
):
    seeder = Seeder(season)
    settings.TORRENT_PEERS = [seeder.peer]
    file_server.expect_request("/t/season.torrent").respond_with_data(
        seeder.data, content_type="application/x-bittorrent"
    )
    job = ingest_url_create(url=file_server.url_for("/t/season.torrent"))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    report = job.state["result"]["pack"]
    assert [(line["episode"], line["status"]) for line in report] == [
        (1, "ingested"),
        (2, "ingested"),
    ]
    assert sorted(Episode.objects.values_list("season", "number")) == [(1, 1), (1, 2)]


def test_only_the_videos_are_downloaded(season, tmp_path, torrent_settings):
    seeder = Seeder(season)
    got = torrent_download(url=seeder.magnet, dest=tmp_path / "dl")
    assert sorted(f.name for f in got) == [
        "Test.Show.S01.720p/Test.Show.S01E01.720p.HDTV.x264.mkv",
        "Test.Show.S01.720p/Test.Show.S01E02.720p.HDTV.x264.mkv",
    ]
    assert all(f.path.read_bytes() == (season / f.path.name).read_bytes() for f in got)
    assert not (tmp_path / "dl" / "Test.Show.S01.720p" / "setup.exe").exists()


def test_what_it_holds_is_checked_before_a_byte_is_downloaded(tmp_path, torrent_settings, settings):
    junk = tmp_path / "seed" / "Tools"
    junk.mkdir(parents=True)
    (junk / "setup.exe").write_bytes(b"MZ" + bytes(5000))
    (junk / "readme.txt").write_text("run me")
    seeder = Seeder(junk)  # kept: its session seeds while it lives
    with pytest.raises(PermanentError, match=r"no video file \(Tools/readme.txt, Tools/setup.exe"):
        torrent_download(url=seeder.magnet, dest=tmp_path / "dl")
    assert not list((tmp_path / "dl").rglob("*.exe"))

    big = tmp_path / "seed2" / "Big.Movie.2020.mkv"
    big.parent.mkdir()
    big.write_bytes(bytes(300_000))
    settings.LEECH_MAX_BYTES = 100_000
    seeder = Seeder(big)
    with pytest.raises(PermanentError, match="over LEECH_MAX_BYTES"):
        torrent_download(url=seeder.magnet, dest=tmp_path / "dl2")
    assert not (tmp_path / "dl2" / "Big.Movie.2020.mkv").exists()


def test_no_peer_is_transient(tmp_path, torrent_settings, settings):
    settings.TORRENT_METADATA_SECONDS = 1
    magnet = "magnet:?xt=urn:btih:" + "a" * 40 + "&dn=nobody"
    with pytest.raises(TransientError, match="no peer sent the torrent's metadata"):
        torrent_download(url=magnet, dest=tmp_path / "dl")


def test_links_a_submission_and_the_admin_take(client):
    assert is_torrent_link("magnet:?xt=urn:btih:" + "a" * 40)
    assert is_torrent_link("https://example.org/files/Show.S01.torrent?key=1")
    assert not is_torrent_link("https://example.org/Show.S01.mkv")
    assert torrent_link_error("magnet:?dn=no-hash") != ""
    client.force_login(UserFactory())
    magnet = "magnet:?xt=urn:btih:" + "b" * 40 + "&dn=Show"
    made = client.post("/api/submissions/", {"url": magnet}, content_type="application/json")
    assert made.status_code == 201 and Submission.objects.get().url == magnet
    assert Submission.objects.get().status == "pending"  # quarantined until approved
    for bad in ("magnet:?dn=no-hash", "ftp://example.org/file.mkv"):
        refused = client.post("/api/submissions/", {"url": bad}, content_type="application/json")
        assert refused.status_code == 400 and "url" in refused.json()["error"]["fields"]
    # The admin's "Ingest a URL" form takes a magnet too, and says what is wrong with a bad one.
    assert IngestUrlForm(data={"url": magnet}).is_valid()
    bad = IngestUrlForm(data={"url": "magnet:?dn=no-hash"})
    assert not bad.is_valid() and "info hash" in bad.errors["url"][0]
