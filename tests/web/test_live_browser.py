"""Chromium watches a live broadcast: ffmpeg publishes to nginx-rtmp with the creator's key,
the stream page's hls.js plays the HLS nginx writes (served by the app, which counts the
viewer), and the chat panel shows the "went live" line and a message typed on the page."""

from __future__ import annotations

import pytest
from django.test import Client
from PIL import Image

from live import approval, services
from live.models import ChatMessage, Creator, Stream, StreamReport, StreamStatus
from tests.factories import LiveStreamFactory, StaffFactory, UserFactory
from tests.support.live import publish, rtmp_server
from tests.support.swarm import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rtmp(tmp_path, settings):
    with rtmp_server(tmp_path, settings) as server:
        yield server


def test_chromium_plays_a_live_stream_and_chats(rtmp, browser, page, settings):
    settings.LIVE_CREATORS_AUTO_APPROVE = True  # this channel needs no moderator
    ports, work = rtmp
    creator = services.creator_become(user=UserFactory(), channel_name="Glass Owl")
    publisher = publish(ports["rtmp"], services.stream_key_rotate(creator=creator), seconds=40)
    try:
        stream = wait_for(
            lambda: Stream.objects.filter(status=StreamStatus.LIVE).first(), timeout=15
        )
        wait_for((work / "hls" / f"{stream.public_id}.m3u8").exists, timeout=20)
        page.goto(f"{ports['app']}/live/{stream.public_id}")
        page.wait_for_function(
            "() => document.getElementById('live-video').currentTime > 2", timeout=30_000
        )
        assert page.locator("#chat-list").inner_text(timeout=5_000).count("went live") == 1
        # The viewer was counted from the playlist fetches.
        assert wait_for(lambda: Stream.objects.get(pk=stream.pk).current_viewers >= 1, timeout=15)
        # Signed in (a session from the API), the visitor chats from the page.
        viewer = UserFactory(first_name="Watcher")
        page.context.add_cookies(_session_cookie(viewer, ports["app"]))
        page.reload()
        page.wait_for_selector("#chat-input:not([disabled])", timeout=10_000)
        page.fill("#chat-input", "hello from Chromium")
        page.press("#chat-input", "Enter")
        page.wait_for_selector("text=hello from Chromium", timeout=10_000)
        assert ChatMessage.objects.get(message="hello from Chromium").user == viewer
        # The chat line wears the viewer's avatar; a copied link is a share, counted once.
        page.wait_for_function(
            "() => [...document.querySelectorAll('.chat-line img.avatar-small')]"
            ".some(i => i.complete && i.naturalWidth > 0)"
        )
        page.click("#share-link")
        page.wait_for_selector("#shares:text('1')")
        page.click("#share-link")
        assert Stream.objects.get(pk=stream.pk).total_shares == 1
        assert not [e for e in page.errors if ".m3u8" not in e], page.errors
    finally:
        publisher.kill()
        publisher.wait()


def _session_cookie(user, url: str) -> list[dict]:
    client = Client()
    client.force_login(user)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}]


def test_a_creator_sets_up_the_channel_from_the_dashboard(site, page, tmp_path):
    """Open a channel, make the key (shown once), save the description and a link, upload a
    profile picture, save a scheduled broadcast — all from the page, through the API."""
    user = UserFactory(first_name="Maker")
    page.context.add_cookies(_session_cookie(user, site.url))
    page.goto(f"{site.url}/live/studio/")
    page.fill("input[name=channel_name]", "Maker Channel")
    page.click("#become button[type=submit]")
    # A new channel waits for staff: no key until a moderator approves it.
    page.wait_for_selector("#channel-status", timeout=10_000)
    assert "waiting for a moderator" in page.inner_text("#channel-status")
    assert page.locator("#rotate-key").count() == 0
    approval.creator_approve(creator=Creator.objects.get(user=user), actor=StaffFactory())
    page.reload()
    page.wait_for_selector("#rotate-key", timeout=10_000)
    page.click("#rotate-key")
    page.wait_for_function(
        "() => document.getElementById('stream-key').textContent.startsWith('svlive_')"
    )
    key = page.inner_text("#stream-key")
    creator = Creator.objects.get(user=user)
    assert creator.stream_key_hash == services.key_digest(key)
    page.fill("#about-form textarea[name=description]", "Songs at night.")
    page.locator("#about-form input[name=platform]").first.fill("YouTube")
    page.locator("#about-form input[name=url]").first.fill("https://yt.example/maker")
    page.click("#about-form button[type=submit]")
    wait_for(
        lambda: Creator.objects.get(pk=creator.pk).description == "Songs at night.", timeout=10
    )
    assert Creator.objects.get(pk=creator.pk).social_accounts == [
        {"platform": "YouTube", "url": "https://yt.example/maker"}
    ]
    picture = tmp_path / "me.png"
    Image.new("RGB", (300, 300), (20, 120, 200)).save(picture)
    page.set_input_files("#images-form input[name=image]", str(picture))
    page.click("#images-form button[type=submit]")
    page.wait_for_selector("img.avatar", timeout=10_000)
    assert Creator.objects.get(pk=creator.pk).profile_photo.startswith("local:")
    page.fill("#schedule-form input[name=title]", "Midnight songs")
    page.check("#schedule-form input[name=is_mature]")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_selector("#my-streams li", timeout=10_000)
    assert "Midnight songs" in page.inner_text("#my-streams")
    assert Stream.objects.get(title="Midnight songs").is_mature is True
    # The 18+ mark is set (and cleared) from the list too.
    page.uncheck("#my-streams input[type=checkbox]")
    wait_for(lambda: not Stream.objects.get(title="Midnight songs").is_mature, timeout=10)
    assert not page.errors, page.errors


def test_a_mature_stream_waits_for_the_age_confirmation_and_a_viewer_reports_it(site, page):
    """The player stays behind the gate until the visitor says they are an adult (remembered
    on reload); "hide" keeps mature streams out of the directory; the report form files one
    report, and says so after a reload."""
    mature = LiveStreamFactory(title="Late show", is_mature=True, status="offline")
    LiveStreamFactory(title="Morning show", status="offline")
    page.goto(f"{site.url}/live/{mature.public_id}")
    page.wait_for_selector("#mature-gate")
    assert page.locator("#live-video").count() == 0
    page.click("#mature-show")
    page.wait_for_selector("#live-video", timeout=10_000)
    page.reload()
    assert page.locator("#mature-gate").count() == 0
    page.click("#report summary")
    page.select_option("#report-form select[name=reason]", "sexual")
    page.fill("#report-form textarea[name=note]", "not for the front page")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-done:not([hidden])", timeout=10_000)
    report = StreamReport.objects.get(stream=mature)
    assert (report.reason, report.note) == ("sexual", "not for the front page")
    assert Stream.objects.get(pk=mature.pk).is_reported
    page.goto(f"{site.url}/live/")
    assert "Late show" in page.inner_text("main")
    page.click("#mature-toggle")  # hide mature streams
    page.wait_for_function("() => !document.querySelector('main').innerText.includes('Late show')")
    assert "Morning show" in page.inner_text("main")
    page.goto(f"{site.url}/live/{mature.public_id}")
    page.wait_for_selector("#mature-gate")
    assert not page.errors, page.errors
