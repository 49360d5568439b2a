"""Every title of the demo library plays or reads in Chromium, as a newcomer gets it from
``scripts/dev.sh``: each movie in each quality and each episode plays (its rendition, sound
decoded), each manga chapter shows its first page; and the site is usable at phone width."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts import services as accounts
from catalog.models import Chapter, MediaFile
from tests.factories import UserFactory
from tests.support.threads import in_other_thread

pytestmark = pytest.mark.django_db(transaction=True)

PLAYING = """() => { const v = document.querySelector('#video');
  return v.currentTime > 1 && v.webkitAudioDecodedByteCount > 0 && !v.error; }"""


def test_every_demo_title_plays_or_reads(page, site, settings, tmp_path):
    settings.BASE_DIR = tmp_path  # the demo media is made under var/demo-media there
    in_other_thread(lambda: call_command("seed_demo"))
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
