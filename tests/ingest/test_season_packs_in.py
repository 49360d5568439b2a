"""Season packs in: an archive of episodes (.zip, .7z, .rar) is unpacked and each episode
ingested as a file of its own, with a report of what matched and what did not; a broken archive
leaves nothing; a .zip of images stays a manga chapter; a multi-episode file (S01E03E04) is
mapped to every episode it holds."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import libarchive
import pytest
from django.core.management import CommandError, call_command

from bot.services import bot_job_outcome
from catalog.models import Chapter, Episode, MediaFile, Title
from ingest.kinds import JobKind
from ingest.local import path_ingest
from jobs.models import Job
from tests.support.media import make_video
from tests.support.rar import write_rar

pytestmark = pytest.mark.django_db


def _vault_files(settings) -> list[Path]:
    objects = settings.VAULT_DIR / "objects"
    return [p for p in objects.rglob("*") if p.is_file()] if objects.exists() else []


@pytest.fixture
def season_zip(media, tmp_path) -> Path:
    out = tmp_path / "Test.Show.S01.720p.zip"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.write(media.episode1, f"Test Show S01/{media.episode1.name}")
        zf.write(media.episode2, f"Test Show S01/{media.episode2.name}")
        zf.writestr("Test Show S01/sample/Test.Show.S01E01.sample.mkv", b"sample bytes")
        zf.writestr("Test Show S01/Behind.The.Scenes.mkv", b"no episode number")
        zf.writestr("Test Show S01/readme.nfo", "release notes")
    return out


def test_a_zip_of_episodes_is_split_and_reported(season_zip, settings, capsys):
    call_command("ingest_local", str(season_zip))
    out = capsys.readouterr().out
    series = Title.objects.get()
    assert (series.title, series.media_type) == ("Test Show", "series")
    assert sorted(Episode.objects.values_list("season", "number")) == [(1, 1), (1, 2)]
    assert MediaFile.objects.count() == 2
    assert "ingested S01E01  Test Show S01/Test.Show.S01E01.720p.HDTV.x264.mkv" in out
    assert "ingested S01E02  Test Show S01/Test.Show.S01E02.720p.HDTV.x264.mkv" in out
    assert (
        "skipped  Test Show S01/Behind.The.Scenes.mkv: no episode number in its name"
        " (S01E02, 1x02 or 02)"
    ) in out
    assert "skipped  Test Show S01/readme.nfo: not a video (or a sample)" in out
    assert "skipped  Test Show S01/sample/Test.Show.S01E01.sample.mkv" in out
    assert f"series: Test Show [{series.short_id}]" in out
    parent = Job.objects.filter(kind=JobKind.INGEST_LOCAL).order_by("id").first()
    assert [line["status"] for line in parent.state["result"]["pack"]].count("ingested") == 2
    assert not list((settings.INGEST_WORK_DIR).rglob("*.mkv"))  # nothing left unpacked

    # Again: every episode is reported as already in; nothing is added.
    result = path_ingest(path=season_zip)
    assert [line["status"] for line in result.pack if "episode" in line] == [
        "already in",
        "already in",
    ]
    assert result.created is False and MediaFile.objects.count() == 2
    # The bot's answer to a forwarded pack is the same report.
    text = bot_job_outcome(job_id=parent.pk)
    assert text.startswith("📦 Season pack: 2 ingested, 3 skipped")
    assert "• S01E02 ingested: Test Show S01/Test.Show.S01E02.720p.HDTV.x264.mkv" in text


def test_a_7z_named_by_season_with_numbered_members(tmp_path):
    (tmp_path / "src").mkdir()
    one = make_video(tmp_path / "src" / "a.mkv", seconds=1, pattern="smptebars", subtitles=False)
    two = make_video(tmp_path / "src" / "b.mkv", seconds=1, pattern="pal75bars", subtitles=False)
    work = tmp_path / "pack"
    work.mkdir()
    shutil.copy(one, work / "01.mkv")
    shutil.copy(two, work / "02.mkv")
    archive = tmp_path / "Other.Show.S02.1080p.7z"
    with libarchive.file_writer(str(archive), "7zip") as writer:
        writer.add_files(str(work / "01.mkv"), str(work / "02.mkv"))
    result = path_ingest(path=archive)
    assert result.title.title == "Other Show"
    assert sorted(Episode.objects.values_list("season", "number")) == [(2, 1), (2, 2)]
    assert [line["status"] for line in result.pack] == ["ingested", "ingested"]


def test_a_rar_of_episodes(media, tmp_path):
    archive = write_rar(
        tmp_path / "Test.Show.S01.rar",
        {
            f"Test Show S01/{media.episode1.name}": media.episode1.read_bytes(),
            f"Test Show S01/{media.episode2.name}": media.episode2.read_bytes(),
        },
    )
    result = path_ingest(path=archive)
    assert result.title.title == "Test Show"
    assert sorted(Episode.objects.values_list("season", "number")) == [(1, 1), (1, 2)]
    assert [line["status"] for line in result.pack] == ["ingested", "ingested"]
    # Each episode holds its member's own bytes, read out of the archive.
    assert set(MediaFile.objects.values_list("file_hash", flat=True)) == {
        hashlib.sha256(media.episode1.read_bytes()).hexdigest(),
        hashlib.sha256(media.episode2.read_bytes()).hexdigest(),
    }


def test_a_broken_archive_leaves_nothing(season_zip, tmp_path, settings):
    broken = tmp_path / "Test.Show.S01.zip"
    broken.write_bytes(season_zip.read_bytes()[:4096])  # cut off after the first header
    with pytest.raises(CommandError, match=r"Test\.Show\.S01\.zip"):
        call_command("ingest_local", str(broken))
    assert not Title.objects.exists() and not Episode.objects.exists()
    assert _vault_files(settings) == []


def test_an_archive_without_videos_or_images_is_refused(tmp_path):
    notes = tmp_path / "Notes.7z"
    src = tmp_path / "notes.txt"
    src.write_text("nothing to watch")
    with libarchive.file_writer(str(notes), "7zip") as writer:
        writer.add_files(str(src))
    with pytest.raises(CommandError, match=r"Notes\.7z holds no video file"):
        call_command("ingest_local", str(notes))


def test_a_zip_of_images_stays_a_manga_chapter(media, tmp_path):
    pages = tmp_path / "Test Manga - Chapter 7.zip"
    shutil.copy(media.cbz, pages)
    result = path_ingest(path=pages)
    assert result.chapter is not None and Chapter.objects.get().number == 7
    assert not Episode.objects.exists()


def test_a_multi_episode_file_is_mapped_to_each_episode(media, tmp_path):
    double = tmp_path / "Test.Show.S01E03E04.720p.HDTV.mkv"
    shutil.copy(media.episode1, double)
    path_ingest(path=double)
    series = Title.objects.get()
    three, four = Episode.objects.filter(series=series).order_by("number")
    assert (three.number, four.number, four.part_of_id) == (3, 4, three.pk)
    episodes = series.document["seasons"]["1"]
    assert episodes[1]["part_of"] == 3 and "part_of" not in episodes[0]
    assert episodes[1]["files"] == episodes[0]["files"] != []
    # Its own file arrives: it plays that from then on.
    own = tmp_path / "Test.Show.S01E04.720p.HDTV.mkv"
    shutil.copy(media.episode2, own)
    path_ingest(path=own)
    series.refresh_from_db()
    four_doc = series.document["seasons"]["1"][1]
    assert "part_of" not in four_doc
    assert four_doc["files"][0]["file_hash"] == MediaFile.objects.get(episode__number=4).file_hash
