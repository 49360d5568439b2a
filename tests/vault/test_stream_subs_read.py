"""/api/subs/<file_hash>/<lang|index>.vtt and /api/read/<chapter_id>/<page>."""

from __future__ import annotations

import zipfile

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

import vault
from catalog import services as catalog
from catalog.models import Chapter
from ingest.chapters import chapter_ingest
from ingest.local import media_ingest
from media.cbz import page_index
from swarm.storage.account import TelegramBackend
from tests.conftest import _redis_ok, require
from tests.factories import TitleFactory
from tests.support.media import CBZ_ORDER
from tests.support.signed import signed
from tests.support.telegram import CHAT, FakeTelegram
from vault import get_backend
from vault.pagecache import pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def movie(media):
    return media_ingest(path=media.movie).media_file


def test_vtt_by_language_and_by_index(movie, client: Client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        r = client.get(signed(f"/api/subs/{movie.file_hash}/eng.vtt"))
    assert r.status_code == 200
    assert r["Content-Type"] == "text/vtt; charset=utf-8"
    assert "max-age=" in r["Cache-Control"] and "public" in r["Cache-Control"]
    assert r["Access-Control-Allow-Origin"] == "*"
    body = r.content.decode()
    assert body.startswith("WEBVTT") and "00:01.000 --> 00:03.500\nHello there" in body

    assert "Hola" in client.get(signed(f"/api/subs/{movie.file_hash}/3.vtt")).content.decode()
    assert "Hola" in client.get(signed(f"/api/subs/{movie.file_hash}/es.vtt")).content.decode()

    again = client.get(signed(f"/api/subs/{movie.file_hash}/eng.vtt"), HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code == 304


def test_image_track_is_a_clear_404(movie, client):
    for key in ("fre", "4"):
        r = client.get(signed(f"/api/subs/{movie.file_hash}/{key}.vtt"))
        assert r.status_code == 404
        error = r.json()["error"]
        assert error["code"] == "image_subtitle"
        assert "image subtitle" in error["message"] and "hdmv_pgs_subtitle" in error["message"]


def test_unknown_file_or_track(movie, client):
    assert (
        client.get(signed(f"/api/subs/{'0' * 64}/eng.vtt")).json()["error"]["code"] == "not_found"
    )
    r = client.get(signed(f"/api/subs/{movie.file_hash}/jpn.vtt"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_subtitle"
    assert client.get(signed(f"/api/subs/{movie.file_hash}/9.vtt")).status_code == 404


@pytest.fixture
def chapter(media):
    return chapter_ingest(path=media.cbz).chapter


def test_read_every_page(chapter, media, client, django_assert_max_num_queries):
    with zipfile.ZipFile(media.cbz) as zf:
        for n, name in enumerate(CBZ_ORDER, start=1):
            with django_assert_max_num_queries(1):
                r = client.get(signed(f"/api/read/{chapter.id}/{n}"))
            assert r.status_code == 200, name
            assert r.content == zf.read(name)
            assert r["Content-Type"] == chapter.pages[n - 1]["type"]
            assert r["X-Page-Cache"] == "miss"
            assert "max-age=" in r["Cache-Control"]


def test_hot_pages_come_from_the_cache(chapter, media, client, settings):
    first = client.get(signed(f"/api/read/{chapter.id}/2"))
    # the archive is gone from the vault: only the cache can answer now
    get_backend("local").path(chapter.ref).unlink()
    second = client.get(signed(f"/api/read/{chapter.id}/2"))
    assert second["X-Page-Cache"] == "hit" and second.content == first.content
    r = client.get(signed(f"/api/read/{chapter.id}/3"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "missing_archive"


def test_page_cache_is_size_capped(settings):
    settings.VAULT_PAGE_CACHE_MAX_BYTES = 250
    settings.VAULT_PAGE_CACHE_MAX_PAGE_BYTES = 200
    pages.clear()
    assert pages.set_sync("a", b"a" * 100)
    assert pages.set_sync("b", b"b" * 100)
    assert pages.get_sync("a") == b"a" * 100  # a is now the most recently used
    assert pages.set_sync("c", b"c" * 100)  # over 250: the least recently used (b) goes
    assert pages.get_sync("b") is None
    assert pages.get_sync("a") == b"a" * 100 and pages.get_sync("c") == b"c" * 100
    assert pages.total_bytes() == 200
    assert pages.set_sync("huge", b"x" * 201) is False  # bigger than a page may be
    assert pages.get_sync("huge") is None


def test_page_cache_uses_redis_when_configured(settings):
    require(_redis_ok(), "needs Redis (run scripts/test.sh)")
    import redis

    pages.clear()
    pages.set_sync("k", b"page")
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.get(f"{pages.prefix}:k:k") == b"page"


def test_read_errors(chapter, client):
    assert client.get(signed(f"/api/read/{chapter.id}/0")).status_code == 404
    r = client.get(signed(f"/api/read/{chapter.id}/5"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_page"
    assert client.get(signed("/api/read/999999/1")).json()["error"]["code"] == "not_found"


def test_damaged_archive_is_reported(media, client, tmp_path):
    manga = TitleFactory(media_type="manga")
    chapter = chapter_ingest(path=media.cbz, manga=manga, number=1).chapter
    path = get_backend("local").path(chapter.ref)
    path.chmod(0o644)
    path.write_bytes(b"garbage" * 10)  # bit rot
    r = client.get(signed(f"/api/read/{chapter.id}/1"))
    assert r.status_code == 500 and r.json()["error"]["code"] == "bad_archive"
    assert Chapter.objects.count() == 1


def test_screenshots_in_the_document_are_served(movie, client, django_assert_max_num_queries):
    movie.title.refresh_from_db()
    refs = movie.title.document["visuals"]["screenshots"]
    assert len(refs) == 5
    for ref in refs:
        with django_assert_max_num_queries(1):
            r = client.get(f"/api/img/{ref}")
        assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
        assert r.content[:3] == b"\xff\xd8\xff"
        assert r["Cache-Control"] == "public, max-age=300, must-revalidate"
    first = client.get(f"/api/img/{refs[0]}")
    assert client.get(f"/api/img/{refs[0]}", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_poster_in_the_vault_is_served(client, media):
    stored = async_to_sync(get_backend("local").put)(media.root / "Test Manga ch 8" / "page1.png")
    title = TitleFactory()
    catalog.title_update(title=title, data={"poster": stored.ref})
    r = client.get(f"/api/img/{stored.ref}")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert client.get(f"/api/img/{stored.ref}", HTTP_IF_NONE_MATCH=r["ETag"]).status_code == 304


def test_other_vault_objects_are_not_served_as_images(movie, chapter, client):
    """A whole movie or a CBZ is in the vault too, but not an image of the catalog."""
    for ref in (movie.ref, chapter.ref, "0" * 64):
        r = client.get(f"/api/img/{ref}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/api/img/../../etc/passwd").status_code == 404


def test_read_a_telegram_stored_chapter(media, client):
    """The same endpoint over the Telegram backend: ranged GetFile reads of the zip."""
    cloud = FakeTelegram()
    backend = TelegramBackend(cloud, chat_id=CHAT)
    stored = async_to_sync(backend.put)(media.cbz)
    manga = TitleFactory(media_type="manga")
    chapter = catalog.chapter_add(
        manga=manga, number=1, backend="telegram", ref=stored.ref, pages=page_index(media.cbz)
    )
    vault.register(backend)
    try:
        with zipfile.ZipFile(media.cbz) as zf:
            for n, name in enumerate(CBZ_ORDER, start=1):
                cloud.calls.clear()
                r = client.get(signed(f"/api/read/{chapter.id}/{n}"))
                assert r.status_code == 200 and r.content == zf.read(name)
                assert all(offset % (1024 * 1024) == 0 for _, offset, _, _ in cloud.calls)
    finally:
        vault.unregister("telegram")
    assert client.get(signed(f"/api/read/{chapter.id}/1"))["X-Page-Cache"] == "hit"
    pages.clear()
    r = client.get(signed(f"/api/read/{chapter.id}/1"))
    assert r.status_code == 503 and r.json()["error"]["code"] == "backend_unavailable"
