"""The site in a real browser: Debian's Chromium driven by Playwright (its own browser download
cannot work here), against uvicorn serving the app on the test database; and a small library of
real media ingested through the pipeline (a movie with AC3 audio: it plays through its
rendition; a manga chapter)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import sync_playwright

from catalog import services as catalog
from catalog.models import MediaType, TitleStatus
from demo.media import draw_image, make_chapter, make_video, subtitles_for
from ingest.chapters import chapter_ingest
from ingest.local import media_ingest
from ingest.work import put
from tests.conftest import ROOT, require
from tests.support.media import _db_env, _stop, start_uvicorn
from tests.support.threads import in_other_thread

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "var" / "screenshots"
# Playwright's sync API runs an event loop in this thread; the tests also use the ORM here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    """Per module: Playwright's loop in this thread stops with it (async_to_sync works again)."""
    require(os.path.exists(CHROMIUM), "needs Debian's chromium (scripts/test.sh installs it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
                "--mute-audio",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.errors = errors
    yield page
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def site(transactional_db, tmp_path, settings):
    """uvicorn serving the whole app (pages, API, /s/) on the test database."""
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    settings.VAULT_DIR = tmp_path / "vault"
    server = start_uvicorn(
        settings.VAULT_DIR,
        WHITENOISE_USE_FINDERS="true",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        **_db_env(),
    )
    yield server
    _stop(server.proc)


@pytest.fixture(scope="module")
def shared_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """One uvicorn for a whole module (with ``shared_library``: one library too), instead of one
    per test: the module's tests commit to the test database as a deployment would and must not
    depend on each other's absence; the tables are flushed when the module ends. A test that
    needs an empty database uses ``site`` (and ``transactional_db``) instead, last in its
    module."""
    require(connection.vendor == "postgresql", "needs PostgreSQL (run scripts/test.sh)")
    vault = tmp_path_factory.mktemp("shared-vault")
    old_vault = django_settings.VAULT_DIR
    with django_db_blocker.unblock():
        django_settings.VAULT_DIR = vault
        server = start_uvicorn(
            vault, WHITENOISE_USE_FINDERS="true", ALLOWED_HOSTS="127.0.0.1,localhost", **_db_env()
        )
        try:
            yield server
        finally:
            _stop(server.proc)
            django_settings.VAULT_DIR = old_vault
            call_command("flush", interactive=False, verbosity=0)
            # Playwright's greenlets give this teardown its own connection: close it, or the
            # test database cannot be dropped at the end of the session.
            connection.close()


MEDIA = Path(os.environ.get("SV_TEST_MEDIA", ROOT / "var" / "test-media"))


def _library() -> dict:
    poster = put(
        draw_image(MEDIA / "poster.jpg", text="Voyage", size=(400, 600), color=(90, 30, 120)),
        "poster.jpg",
    )["tagged"]
    movie = catalog.title_create(
        media_type=MediaType.MOVIE,
        title="The Long Voyage",
        year=2020,
        genres=["Adventure"],
        overview="A ship, a storm and a long way home.",
        status=TitleStatus.AVAILABLE,
        poster=poster,
    )
    video = make_video(
        MEDIA / "voyage-240p.mkv",
        seconds=360,
        quality="240p",
        audio="ac3",
        pattern="testsrc",
        tone=300,
        subtitles=subtitles_for("Voyage", 360),
    )
    media_ingest(path=video, title=movie, quality="240p")  # autocommit: the rendition job runs
    catalog.intro_pin(title=movie, actor="test", start=3, end=60)
    manga = catalog.title_create(
        media_type=MediaType.MANGA,
        title="Ink Tides",
        year=2021,
        genres=["Adventure"],
        status=TitleStatus.AVAILABLE,
        read_direction="rtl",
    )
    cbz = make_chapter(MEDIA / "ink-1.cbz", title="Ink Tides", chapter="1", pages=5)
    chapter = chapter_ingest(path=cbz, manga=manga, number=1).chapter
    movie.refresh_from_db()
    return {
        "movie": movie,
        "file": movie.files.get(),
        "manga": manga,
        "chapter": chapter,
        "cbz": cbz,
    }


@pytest.fixture(scope="module")
def shared_library(shared_site):
    """``library``, made once for the module's ``shared_site``."""
    return in_other_thread(_library)


@pytest.fixture
def library(site):
    """A movie (6 min, AC3 audio: its rendition transcodes the audio to AAC; English and
    Spanish subtitles; an intro pinned at 3-60 s) and a right-to-left manga chapter. Made in
    another thread: this one runs Playwright's event loop, where the vault's async_to_sync
    cannot run."""
    return in_other_thread(_library)


def _series():
    series = catalog.title_create(
        media_type=MediaType.SERIES,
        title="Harbour Nights",
        year=2022,
        genres=["Drama"],
        status=TitleStatus.AVAILABLE,
    )
    for number in (1, 2):
        catalog.episode_add(series=series, season=1, number=number, name=f"Night {number}")
        episode = make_video(
            MEDIA / f"harbour-s1e{number}.mkv",
            seconds=330,
            quality="240p",
            audio="aac",
            pattern="smptebars",
            tone=200 + 50 * number,
            subtitles=subtitles_for(f"Night {number}", 330),
        )
        media_ingest(path=episode, title=series, season=1, episode=number)
    return series


@pytest.fixture
def series(site):
    """A series of two 5½-minute episodes (past WATCH_MIN_DURATION)."""
    return in_other_thread(_series)
