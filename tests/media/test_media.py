"""Media processing on real files made by ffmpeg and Pillow (tests/swarm/conftest.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from asgiref.sync import async_to_sync
from PIL import Image

from media import cbz
from media.langs import iso639_2
from media.names import clean_filename, parse_release
from media.packs import PackMember, build_stored_zip
from media.probe import ProbeError, probe, probe_parse
from media.screenshots import take_screenshots
from media.subtitles import extract_vtt
from swarm.storage.account import TelegramBackend
from tests.support.media import CBZ_ORDER, CBZ_PAGES, VIDEO_SECONDS
from tests.support.telegram import CHAT, FakeTelegram
from vault import get_backend


def test_probe_reads_the_streams(media):
    result = probe(media.movie)
    assert result.container == "mkv"
    assert result.video_codec == "h264"
    assert (result.width, result.height) == (320, 240)
    assert result.duration == pytest.approx(VIDEO_SECONDS, abs=0.1)
    assert result.bitrate and result.bitrate > 0
    assert result.hdr is False
    assert result.audio_langs == ["eng"]
    assert result.quality == "240p"
    tracks = [(s.stream_index, s.lang, s.label, s.codec, s.kind) for s in result.subtitles]
    assert tracks == [
        (2, "eng", "English", "subrip", "text"),
        (3, "spa", "Spanish", "subrip", "text"),
        (4, "fre", "French", "hdmv_pgs_subtitle", "image"),
    ]


def test_probe_keeps_ffprobes_reason_for_a_corrupt_file(media):
    with pytest.raises(ProbeError) as info:
        probe(media.corrupt)
    assert "Invalid data found when processing input" in str(info.value)


def test_probe_needs_a_video_stream(tmp_path):
    with pytest.raises(ProbeError, match="no video stream"):
        probe_parse({"streams": [{"codec_type": "audio", "index": 0}], "format": {}})


def test_hdr_is_read_from_the_transfer_function():
    data = {
        "streams": [
            {
                "index": 0,
                "codec_type": "video",
                "codec_name": "hevc",
                "width": 3840,
                "height": 2160,
                "color_transfer": "smpte2084",
            }
        ],
        "format": {"format_name": "matroska,webm", "duration": "10.0"},
    }
    result = probe_parse(data, path="x.mkv")
    assert result.hdr is True and result.quality == "2160p" and result.container == "mkv"


@pytest.mark.parametrize(
    ("tag", "code"), [("en", "eng"), ("eng", "eng"), ("en-US", "eng"), ("fra", "fre"), ("", "und")]
)
def test_language_codes(tag, code):
    assert iso639_2(tag) == code


def test_one_pass_extracts_every_text_track_with_exact_cues(media, tmp_path):
    tracks = probe(media.movie).subtitles
    out = extract_vtt(media.movie, tracks, tmp_path)
    assert set(out) == {2, 3}  # the PGS track (4) is an image: not extracted
    eng = out[2].read_text()
    assert eng.startswith("WEBVTT")
    assert "00:01.000 --> 00:03.500\nHello there" in eng
    assert "00:06.250 --> 00:08.000\nSecond line" in eng
    assert "00:02.000 --> 00:04.000\nHola" in out[3].read_text()


def test_screenshots_are_jpegs_at_the_positions(media, tmp_path):
    shots = take_screenshots(
        media.movie, duration=VIDEO_SECONDS, positions=[10, 50, 90], out_dir=tmp_path
    )
    assert sorted(shots) == [10, 50, 90]
    for path in shots.values():
        with Image.open(path) as img:
            assert img.format == "JPEG" and img.size == (320, 240)
    # different moments of testsrc → different pictures
    assert len({p.read_bytes() for p in shots.values()}) == 3


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "The.Matrix.1999.1080p.BluRay.x264-SPARKS.mkv",
            dict(title="The Matrix", year=1999, quality="1080p", source="Blu-ray", codec="H.264"),
        ),
        (
            "[www.Torrenting.com] - Breaking.Bad.S01E02.720p.WEB-DL.H264-YTS.mkv",
            dict(title="Breaking Bad", season=1, episode=2, quality="720p", source="Web"),
        ),
    ],
)
def test_release_names(name, expected):
    release = parse_release(name)
    for key, value in expected.items():
        assert getattr(release, key) == value


def test_clean_filename_has_no_spam():
    release = parse_release("www.TamilBlasters.xyz - The.Matrix.1999.1080p.BluRay.x264-SPARKS.mkv")
    name = clean_filename(
        title=release.title, year=release.year, quality=release.quality, ext=release.container
    )
    assert name == "The Matrix (1999) [1080p].mkv"
    assert clean_filename(title="Show: Part/1", season=1, episode=2, quality="720p", ext="mkv") == (
        "Show Part 1 S01E02 [720p].mkv"
    )


# --- CBZ ----------------------------------------------------------------------------------------


def test_page_index_is_natural_order_with_header_dimensions(media):
    pages = cbz.page_index(media.cbz)
    assert [p["name"] for p in pages] == CBZ_ORDER
    with zipfile.ZipFile(media.cbz) as zf:
        for page in pages:
            fmt, n = CBZ_PAGES[page["name"]]
            assert page["type"] == f"image/{fmt.lower()}"
            assert (page["width"], page["height"]) == (200 + n, 300 + 2 * n)
            assert page["size"] == zf.getinfo(page["name"]).file_size


def test_non_zip_cbz_is_a_clear_error(media):
    with pytest.raises(cbz.CbzError, match="is not a zip archive"):
        cbz.page_index(media.not_zip_cbz)


def test_folder_becomes_a_stored_cbz(media, tmp_path):
    out = cbz.folder_to_cbz(media.folder, tmp_path / "ch.cbz")
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == CBZ_ORDER  # notes.txt left out, natural order
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}


def _backends():
    return {
        "local": lambda: get_backend("local"),
        "telegram": lambda: TelegramBackend(FakeTelegram(), chat_id=CHAT),
    }


@pytest.mark.parametrize("backend_name", ["local", "telegram"])
def test_read_page_through_open_range(media, backend_name):
    backend = _backends()[backend_name]()
    stored = async_to_sync(backend.put)(media.cbz)
    with zipfile.ZipFile(media.cbz) as zf:
        for name in CBZ_ORDER:
            page = async_to_sync(cbz.read_page)(backend, stored.ref, name)
            assert page == zf.read(name)
    with pytest.raises(cbz.CbzError, match="not in the archive"):
        async_to_sync(cbz.read_page)(backend, stored.ref, "nope.png")


def test_read_page_of_a_zip64_archive(tmp_path):
    out = tmp_path / "z64.cbz"
    img = io.BytesIO()
    Image.new("RGB", (10, 10)).save(img, format="PNG")
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for i in range(3):
            with zf.open(f"p{i}.png", "w", force_zip64=True) as f:
                f.write(img.getvalue())
    backend = get_backend("local")
    stored = async_to_sync(backend.put)(out)
    assert async_to_sync(cbz.read_page)(backend, stored.ref, "p2.png") == img.getvalue()


def test_read_page_of_a_non_zip_is_a_cbz_error(media):
    backend = get_backend("local")
    stored = async_to_sync(backend.put)(media.not_zip_cbz)
    with pytest.raises(cbz.CbzError, match="not a zip archive"):
        async_to_sync(cbz.read_page)(backend, stored.ref, "page1.png")


def test_stored_pack_holds_the_members_uncompressed(media, tmp_path):
    backend = get_backend("local")
    a = async_to_sync(backend.put)(media.episode1)
    b = async_to_sync(backend.put)(media.episode2)
    out = async_to_sync(build_stored_zip)(
        [PackMember("E01.mkv", backend, a.ref), PackMember("E02.mkv", backend, b.ref)],
        tmp_path / "pack.zip",
    )
    with zipfile.ZipFile(out) as zf:
        assert zf.namelist() == ["E01.mkv", "E02.mkv"]
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
        assert zf.read("E01.mkv") == media.episode1.read_bytes()
        assert zf.read("E02.mkv") == media.episode2.read_bytes()
        assert zf.testzip() is None
