"""``manage.py ingest_local`` end to end on generated media: vault objects, catalog rows, the
read model, and the failure paths (corrupt media, non-zip CBZ, blocked hash, duplicates)."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.core.management import CommandError, call_command

from catalog import services as catalog
from catalog.models import Chapter, ChapterPack, MediaFile, SeasonPack, SubtitleTrack, Title
from catalog.text import size_human
from core.models import AdminAlert
from core.signals import admin_alert
from ingest.blocked import blocked_hash_add, file_sha256
from ingest.models import BlockedAttempt
from ingest.packs import chapter_pack_build, season_pack_build
from tests.factories import TitleFactory
from tests.support.media import CBZ_ORDER, VIDEO_SECONDS
from vault import get_backend, read_all, resolve_tagged

pytestmark = pytest.mark.django_db


def vault_bytes(ref: str) -> bytes:
    """A stored object's bytes by its raw local ref or its tagged ref."""
    return async_to_sync(read_all)(*resolve_tagged(ref))


def vault_objects(settings) -> list:
    objects = settings.VAULT_DIR / "objects"
    return [p for p in objects.rglob("*") if p.is_file()] if objects.exists() else []


def test_ingest_movie_end_to_end(media, settings, capsys):
    call_command("ingest_local", str(media.movie))

    mf = MediaFile.objects.get()
    title = mf.title
    assert (title.title, title.year, title.media_type) == ("Big Test Movie", 2021, "movie")
    assert mf.file_hash == file_sha256(media.movie)
    assert mf.size_bytes == media.movie.stat().st_size
    assert vault_bytes(mf.ref) == media.movie.read_bytes()
    assert (mf.container, mf.video_codec, mf.width, mf.height) == ("mkv", "h264", 320, 240)
    assert mf.duration == pytest.approx(VIDEO_SECONDS, abs=0.1)
    assert mf.bitrate > 0 and mf.hdr is False and mf.audio_langs == ["eng"]
    assert mf.quality == "240p"

    tracks = list(mf.subtitles.values_list("stream_index", "lang", "kind", "codec"))
    assert tracks == [
        (2, "eng", "text", "subrip"),
        (3, "spa", "text", "subrip"),
        (4, "fre", "image", "hdmv_pgs_subtitle"),
    ]
    eng = SubtitleTrack.objects.get(media_file=mf, stream_index=2)
    assert b"00:01.000 --> 00:03.500\nHello there" in vault_bytes(eng.vtt_ref)
    assert SubtitleTrack.objects.get(media_file=mf, stream_index=4).vtt_ref == ""

    shots = list(mf.screenshots.order_by("position"))
    assert [s.position for s in shots] == [10, 30, 50, 70, 90]
    assert all(vault_bytes(s.ref)[:3] == b"\xff\xd8\xff" for s in shots)  # JPEG

    title.refresh_from_db()
    doc = title.document
    assert doc["visuals"]["screenshots"] == [s.ref for s in shots]
    assert doc["files"][0]["file_hash"] == mf.file_hash
    assert [s["lang"] for s in doc["files"][0]["subtitles"]] == ["eng", "spa", "fre"]
    out = capsys.readouterr().out
    assert "ingested: Big Test Movie" in out
    assert f"/s/{mf.file_hash}?md5=" in out and f"/api/subs/{mf.file_hash}/2.vtt" in out


def test_screenshot_positions_are_configurable(media, settings):
    settings.VAULT_SCREENSHOT_POSITIONS = [25, 75]
    call_command("ingest_local", str(media.movie))
    assert list(MediaFile.objects.get().screenshots.values_list("position", flat=True)) == [25, 75]


def test_same_file_twice_gives_the_existing_media_file(media, capsys):
    call_command("ingest_local", str(media.movie))
    first = MediaFile.objects.get()
    call_command("ingest_local", str(media.movie))
    assert list(MediaFile.objects.all()) == [first]
    assert Title.objects.count() == 1
    assert "already in the catalog" in capsys.readouterr().out


def test_into_an_existing_title(media):
    title = TitleFactory(title="Some Other Name", year=1990)
    call_command("ingest_local", str(media.movie), "--title", title.short_id)
    assert MediaFile.objects.get().title == title
    assert Title.objects.count() == 1


def test_series_episode(media):
    series = TitleFactory(media_type="series", title="Test Show")
    call_command(
        "ingest_local",
        str(media.episode1),
        "--title",
        series.short_id,
        "--season",
        "1",
        "--episode",
        "1",
    )
    mf = MediaFile.objects.get()
    assert (mf.episode.season, mf.episode.number) == (1, 1)
    series.refresh_from_db()
    assert series.document["seasons"]["1"][0]["files"][0]["file_hash"] == mf.file_hash


def test_series_episode_from_the_release_name(media):
    call_command("ingest_local", str(media.episode2))
    mf = MediaFile.objects.get()
    assert mf.title.media_type == "series" and mf.title.title == "Test Show"
    assert (mf.episode.season, mf.episode.number) == (1, 2)


def test_corrupt_file_fails_with_ffprobes_reason_and_attaches_nothing(media, settings):
    with pytest.raises(CommandError) as info:
        call_command("ingest_local", str(media.corrupt))
    assert "Invalid data found when processing input" in str(info.value)
    assert Title.objects.count() == 0 and MediaFile.objects.count() == 0
    assert vault_objects(settings) == []


def test_blocked_hash_drops_the_file_records_the_attempt_and_alerts(
    media, settings, django_capture_on_commit_callbacks
):
    blocked_hash_add(sha256=file_sha256(media.movie), reason="takedown #12")
    received = []

    def on_alert(sender, alert, **kw):
        received.append(alert)

    admin_alert.connect(on_alert)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(CommandError, match="is blocked: takedown #12"):
                call_command("ingest_local", str(media.movie))
    finally:
        admin_alert.disconnect(on_alert)

    assert MediaFile.objects.count() == 0 and Title.objects.count() == 0
    assert vault_objects(settings) == []
    attempt = BlockedAttempt.objects.get()
    assert attempt.source == str(media.movie)
    assert attempt.size_bytes == media.movie.stat().st_size
    alert = AdminAlert.objects.get(kind=AdminAlert.Kind.BLOCKED_HASH)
    assert alert.payload["sha256"] == file_sha256(media.movie)
    assert received == [alert]


def test_cbz_chapter(media):
    call_command("ingest_local", str(media.cbz))
    chapter = Chapter.objects.get()
    assert chapter.manga.media_type == "manga" and chapter.manga.title == "Test Manga"
    assert chapter.number == Decimal(7)
    assert [p["name"] for p in chapter.pages] == CBZ_ORDER
    assert chapter.page_count == 4
    assert vault_bytes(chapter.ref) == media.cbz.read_bytes()
    chapter.manga.refresh_from_db()
    assert chapter.manga.document["chapters"] == [
        {"id": chapter.id, "chap": 7, "title": "", "pages": 4}
    ]


def test_folder_of_images_becomes_a_cbz_chapter(media):
    manga = TitleFactory(media_type="manga", title="Test Manga")
    call_command("ingest_local", str(media.folder), "--title", manga.short_id, "--chapter", "8.5")
    chapter = Chapter.objects.get()
    assert chapter.manga == manga and chapter.number == Decimal("8.5")
    assert [p["name"] for p in chapter.pages] == CBZ_ORDER
    with zipfile.ZipFile(get_backend("local").path(chapter.ref)) as zf:
        assert zf.namelist() == CBZ_ORDER
        assert zf.read("page2.jpg") == (media.folder / "page2.jpg").read_bytes()


def test_non_zip_cbz_is_a_clear_error(media, settings):
    with pytest.raises(CommandError, match="is not a zip archive"):
        call_command("ingest_local", str(media.not_zip_cbz))
    assert Title.objects.count() == 0 and Chapter.objects.count() == 0
    assert vault_objects(settings) == []


def test_duplicate_chapter_number_is_an_error(media):
    call_command("ingest_local", str(media.cbz))
    manga = Title.objects.get()
    with pytest.raises(CommandError, match="Chapter 7 already exists"):
        call_command("ingest_local", str(media.folder), "--title", manga.short_id, "--chapter", "7")
    assert Chapter.objects.count() == 1


def test_command_argument_errors(media):
    with pytest.raises(CommandError, match="no title with short id"):
        call_command("ingest_local", str(media.movie), "--title", "nope123")
    with pytest.raises(CommandError, match="go together"):
        call_command("ingest_local", str(media.movie), "--season", "1")
    with pytest.raises(CommandError, match="is not a file"):
        call_command("ingest_local", str(media.root / "missing.mkv"))


def test_season_pack(media):
    series = TitleFactory(media_type="series", title="Test Show")
    for n, path in ((1, media.episode1), (2, media.episode2)):
        call_command(
            "ingest_local",
            str(path),
            "--title",
            series.short_id,
            "--season",
            "1",
            "--episode",
            str(n),
        )
    pack = season_pack_build(series=series, season=1)
    assert pack == SeasonPack.objects.get()
    assert pack.episodes == [1, 2]
    with zipfile.ZipFile(get_backend("local").path(pack.ref)) as zf:
        names = zf.namelist()
        assert names == ["Test Show S01E01 [240p].mkv", "Test Show S01E02 [240p].mkv"]
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
        assert zf.read(names[1]) == media.episode2.read_bytes()
    series.refresh_from_db()
    assert series.document["season_packs"][0]["episodes"] == [1, 2]
    assert series.document["season_packs"][0]["size_bytes"] == pack.size_bytes


def test_chapter_pack(media):
    call_command("ingest_local", str(media.cbz))
    manga = Title.objects.get()
    call_command("ingest_local", str(media.folder), "--title", manga.short_id, "--chapter", "8")
    pack = chapter_pack_build(manga=manga)
    assert pack == ChapterPack.objects.get()
    assert pack.chapters == [7, 8]
    with zipfile.ZipFile(get_backend("local").path(pack.ref)) as zf:
        assert zf.namelist() == ["Test Manga - Chapter 7.cbz", "Test Manga - Chapter 8.cbz"]
        assert zf.read("Test Manga - Chapter 7.cbz") == media.cbz.read_bytes()
    manga.refresh_from_db()
    assert manga.document["chapter_packs"] == [
        {
            "chapters": [7, 8],
            "pack_hash": pack.ref,
            "size": size_human(pack.size_bytes),
            "size_bytes": pack.size_bytes,
        }
    ]


def test_chapter_pack_set_replaces_the_same_span():
    manga = TitleFactory(media_type="manga")
    catalog.chapter_pack_set(manga=manga, chapters=[1, 2], backend="local", ref="a", size_bytes=1)
    catalog.chapter_pack_set(manga=manga, chapters=[2, 1], backend="local", ref="b", size_bytes=2)
    assert list(ChapterPack.objects.values_list("ref", "chapters")) == [("b", [1, 2])]


def test_pack_build_command(media, capsys):
    series = TitleFactory(media_type="series", title="Test Show")
    call_command(
        "ingest_local",
        str(media.episode1),
        "--title",
        series.short_id,
        "--season",
        "2",
        "--episode",
        "1",
    )
    call_command("pack_build", series.short_id)
    assert "season 2 pack: 1 episodes" in capsys.readouterr().out
    assert SeasonPack.objects.get().season == 2
    with pytest.raises(CommandError, match="movies have no packs"):
        call_command("pack_build", TitleFactory().short_id)
    with pytest.raises(CommandError, match="has no chapters"):
        call_command("pack_build", TitleFactory(media_type="manga").short_id)


def test_one_ingest_rebuilds_its_titles_document_once(media, documents_built):
    """Attach, images and publish each change the title; the document is built once, at the
    end of the run, from the final state."""
    call_command("ingest_local", str(media.movie))

    title = MediaFile.objects.get().title
    assert documents_built == [title.pk]
    title.refresh_from_db()
    assert title.status == "available" and title.document["files"]
