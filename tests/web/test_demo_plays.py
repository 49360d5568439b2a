"""The demo library as a newcomer gets it from ``scripts/dev.sh`` (``seed_demo``: real media
through the pipeline, once, idempotent) and every title of it plays or reads in Chromium: each
movie in each quality and each episode plays (its rendition, sound
decoded), each manga chapter shows its first page; and the site is usable at phone width."""

from __future__ import annotations

import io
from urllib.parse import quote

import httpx
import pytest
from django.core.management import call_command

from accounts import services as accounts
from catalog.models import Chapter, Episode, MediaFile, SeasonPack, SubtitleTrack, Title
from tests.factories import UserFactory
from tests.support.threads import in_other_thread

pytestmark = pytest.mark.django_db(transaction=True)

PLAYING = """() => { const v = document.querySelector('#video');
  return v.currentTime > 0.3 && v.webkitAudioDecodedByteCount > 0 && !v.error; }"""


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--admin", stdout=out)
    return out.getvalue()


def _library_checks(site_url: str, out: str) -> None:
    """What ``seed_demo`` made (the one seeding of the suite: it takes ~40 s)."""
    assert "Admin login: admin / " in out
    counts = {m: m.objects.count() for m in (Title, MediaFile, Episode, Chapter, SeasonPack)}
    assert counts[Title] == 6 and counts[SeasonPack] == 1 and counts[Chapter] == 3
    assert counts[MediaFile] == 4 * 2 + 4  # two qualities per movie, four episodes
    assert SubtitleTrack.objects.filter(lang="spa").exists()
    assert SubtitleTrack.objects.filter(kind="image").exists()  # the PGS track of one movie
    # Every file plays in a browser: a rendition (AC3 audio transcoded, MKV remuxed).
    assert not MediaFile.objects.filter(playable_hash="").exists()
    assert set(MediaFile.objects.values_list("playable", flat=True)) == {"remux", "audio"}
    again = in_other_thread(_seed)  # idempotent: nothing doubled, the same login
    assert {m: m.objects.count() for m in counts} == counts
    login = out.split("Admin login: ")[1].splitlines()[0]
    assert f"Admin login: {login}" in again and "0 title(s) created" in again
    movie = Title.objects.get(tmdb_id=299534)
    doc = httpx.get(f"{site_url}/api/titles/{movie.short_id}/").json()
    assert [f["quality"] for f in doc["files"]] == ["360p", "240p"]
    assert [s["lang"] for s in doc["files"][0]["subtitles"]] == ["eng", "spa"]
    assert {f["playback"] for f in doc["files"]} == {"rendition"}
    assert doc["intro_timings"]["pinned"] and doc["files"][0]["duration"] >= 300
    assert len(doc["visuals"]["screenshots"]) >= 5
    poster = httpx.get(f"{site_url}/api/img/{quote(doc['visuals']['poster'], safe='')}")
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"


def test_every_demo_title_plays_or_reads(page, site, settings, tmp_path):
    # A checkout of its own (var/: the admin login file); the media is made once in the
    # shared DEMO_MEDIA_DIR (var/demo-media), which the schema fuzzing's seed_demo reuses.
    settings.BASE_DIR = tmp_path
    _library_checks(site.url, in_other_thread(_seed))
    # A logged-in viewer: one demo movie is rated 18+ (guests are asked to log in).
    link = accounts.user_magic_link(user=UserFactory(first_name="Ada"))
    page.goto(site.url + link.url[link.url.index("/auth/") :])
    page.wait_for_url("**/account/")
    files = list(MediaFile.objects.select_related("title", "episode"))
    assert len(files) == 12 and all(f.playable_hash for f in files)
    for f in files:
        query = f"?f={f.file_hash}"
        if f.episode is not None:
            query = f"?s={f.episode.season}&e={f.episode.number}"
        page.goto(f"{site.url}/watch/{f.title.short_id}/{query}")
        page.wait_for_function(PLAYING, timeout=20_000)
        # Each player page holds a stream slot: free it as leaving the page would.
        page.evaluate(
            """async () => { const s = sessionStorage.getItem('sv-stream-session');
            const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken='));
            if (s) await fetch(`/api/stream/heartbeat/?session=${s}`, {method: 'DELETE',
              headers: {'X-CSRFToken': token ? token.slice(10) : ''}}); }"""
        )
    for chapter in Chapter.objects.select_related("manga"):
        page.goto(f"{site.url}/read/{chapter.manga.short_id}/{chapter.pk}/")
        page.wait_for_function(
            "() => { const i = document.querySelector('#page'); "
            "return i.complete && i.naturalWidth === 800; }"
        )
    assert not [e for e in page.errors if "favicon" not in e], page.errors


def test_the_site_fits_a_phone(browser, site):
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    for path in ("/", "/account/", "/search/?q=x"):
        phone.goto(site.url + path)
        overflow = phone.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
    phone.close()
