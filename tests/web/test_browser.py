"""The site in real Chromium: search with a typo and open the title; play the movie (its
rendition: AC3 audio made AAC) past 3 s with no media error and an English cue in its text
track; reload and resume near the saved second; skip the intro; read a right-to-left chapter
and find page 3's bytes are the CBZ's; post a spoiler comment hidden until clicked; the 4K
button refused for a free user with the gatekeeper's words; a studio episode, once published,
plays with its spoken line and its subtitle. Screenshots go to var/screenshots."""

from __future__ import annotations

import zipfile

import pytest
from PIL import Image

from accounts import services as accounts
from catalog import services as catalog
from catalog.models import IntroVote
from jobs.engine import job_run
from jobs.models import JobStatus
from media.assemble import Cue, Shot, scene_render
from media.speech import synthesize, track_join
from studio.models import Episode
from studio.services.content import episode_update
from studio.services.media import media_create
from studio.services.publishing import episode_publish
from tests.factories import UserFactory, file_hash
from tests.studio.factories import episode_of, producer, project_of
from tests.support.threads import in_other_thread

# One server and one library for the module (``shared_site``, ``shared_library``): the tests
# below commit as a deployment would; the last one needs its own empty database.


def _no_errors(page) -> None:
    assert not [e for e in page.errors if "favicon" not in e], page.errors


def test_search_with_a_typo_then_play_resume_and_skip_the_intro(page, shared_site, shared_library):
    site, library = shared_site, shared_library
    page.goto(site.url + "/")
    page.fill("#q", "long voyaeg")  # a typo
    page.wait_for_selector("#suggest a")
    page.click("#suggest a >> text=The Long Voyage")
    page.wait_for_url(f"**/title/{library['movie'].short_id}/")
    assert page.inner_text("h1").startswith("The Long Voyage")
    page.click("#play")
    page.wait_for_url("**/watch/**")
    page.wait_for_function("() => document.querySelector('#video').currentTime > 3", timeout=30_000)
    state = page.evaluate(
        """() => { const v = document.querySelector('#video');
        return {error: v.error && v.error.code, src: v.currentSrc,
                tracks: [...v.textTracks].map(t => t.language)}; }"""
    )
    assert state["error"] is None and f"/s/{library['file'].playable_hash}" in state["src"]
    assert state["tracks"][:2] == ["en", "es"]
    page.wait_for_function(
        """() => { const t = document.querySelector('#video').textTracks[0];
        return t.cues && t.cues.length > 0 && t.cues[0].text.includes('Voyage'); }""",
        timeout=15_000,
    )
    # Skip intro: shown inside 3-60 s, it jumps to 60 s.
    page.wait_for_selector("#skip-intro:not([hidden])", timeout=10_000)
    page.click("#skip-intro")
    page.wait_for_function("() => document.querySelector('#video').currentTime >= 60")
    page.wait_for_timeout(6_000)  # a progress save (every 5 s)
    saved = page.evaluate("() => document.querySelector('#video').currentTime")
    page.reload()
    page.wait_for_function(
        f"() => document.querySelector('#video').currentTime >= {int(saved) - 7}", timeout=30_000
    )
    _no_errors(page)


def test_reading_a_chapter_right_to_left(page, shared_site, shared_library):
    site, library = shared_site, shared_library
    chapter = library["chapter"]
    page.goto(f"{site.url}/read/{library['manga'].short_id}/{chapter.pk}/")
    page.wait_for_selector("#page[src]")
    assert page.inner_text("#page-number") == "Page 1 of 5"
    page.keyboard.press("ArrowLeft")  # right to left: left is forward
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "() => document.querySelector('#page-number').textContent === 'Page 3 of 5'"
    )
    src = page.get_attribute("#page", "src")
    body = page.request.get(site.url + src).body()
    with zipfile.ZipFile(library["cbz"]) as zf:
        assert body == zf.read("003.jpg")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('#page-number').textContent === 'Page 2 of 5'"
    )
    _no_errors(page)


def test_a_spoiler_comment_stays_hidden_until_clicked(page, shared_site, shared_library):
    site, library = shared_site, shared_library
    page.goto(f"{site.url}/title/{library['movie'].short_id}/")
    page.fill("#comment-body", "Great trip. >!The ship sinks!< Loved it.")
    page.click(".comment-form button[type=submit]")
    page.wait_for_selector(".comment .spoiler")
    text = page.inner_text(".comment .comment-body")
    assert "Great trip." in text and "The ship sinks" not in text
    page.click(".comment .spoiler")
    assert "The ship sinks" in page.inner_text(".comment .comment-body")
    # The commenter's avatar, drawn on this site from their seed.
    page.wait_for_function(
        "() => { const i = document.querySelector('.comment img.avatar-small');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    _no_errors(page)


def test_4k_is_refused_to_a_free_user_in_words(page, shared_site, shared_library):
    site, library = shared_site, shared_library
    movie = library["movie"]
    catalog.media_file_add(
        title=movie, quality="2160p", file_hash=file_hash(), size_bytes=10**9, ref="x"
    )
    uhd = movie.files.get(quality="2160p")
    page.goto(f"{site.url}/watch/{movie.short_id}/?f={uhd.file_hash}")
    page.wait_for_selector("#player-message:not([hidden])")
    assert "2160p needs premium" in page.inner_text("#player-message")


def test_a_magic_link_logs_in_and_brings_the_guests_progress(page, shared_site, shared_library):
    site, library = shared_site, shared_library
    movie = library["movie"]
    page.goto(f"{site.url}/title/{movie.short_id}/")  # the page's first API call: a guest
    page.wait_for_selector(".comment-list li")
    saved = page.evaluate(
        """async (shortId) => {
          const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).slice(10);
          const r = await fetch(`/api/me/progress/${shortId}/`, {method: 'PUT',
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
            body: JSON.stringify({position: 120, duration: 360})});
          return (await r.json()).kept;
        }""",
        movie.short_id,
    )
    assert saved is True
    ada = UserFactory(first_name="Ada")
    link = accounts.user_magic_link(user=ada)
    page.goto(site.url + link.url[link.url.index("/auth/") :])
    page.wait_for_url("**/account/")
    page.wait_for_function("() => document.querySelector('#who').textContent.includes('Ada')")
    page.goto(site.url + "/")
    assert "Continue watching" in page.inner_text("main")
    assert "The Long Voyage" in page.inner_text("#continue + .cards")
    _no_errors(page)


def _published(tmp_path) -> str:
    """A one-line episode made by the studio's own speech and assembly, published; its
    title's short id."""
    owner = producer()
    project = project_of(owner, title="Night Shift")
    episode = episode_of(project, title="Pilot")
    line = tmp_path / "line.wav"
    synthesize("Keep the lights on until morning.", line)
    track = tmp_path / "track.wav"
    (placed,) = track_join([line], track, lead=1.0, gap=0.0, tail=1.0)
    picture = tmp_path / "panel.png"
    Image.new("RGB", (640, 360), "teal").save(picture)
    out = tmp_path / "episode.mp4"
    scene_render(
        [Shot(picture, placed.end + 1.0)],
        out,
        audio=track,
        cues=[Cue(placed.start, placed.end, "Ada: Keep the lights on until morning.")],
        size=(640, 360),
    )
    video = media_create(
        actor=owner, project=project, upload=out, filename="e1.mp4", media_type="final_video"
    )
    episode_update(actor=owner, episode=episode, data={"final_video": video.pk})
    job = episode_publish(actor=owner, episode=Episode.objects.get(pk=episode.pk))
    job_run(job_id=job.pk)  # unless the commit already ran it (eager Celery)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.last_error
    project.refresh_from_db()
    return project.catalog_title.short_id


def test_a_published_studio_episode_plays_with_its_voice_and_subtitles(
    page, shared_site, tmp_path, settings
):
    settings.VAULT_DIR = shared_site.vault_dir  # where the server reads
    short_id = in_other_thread(lambda: _published(tmp_path))
    page.goto(f"{shared_site.url}/watch/{short_id}/?s=1&e=1")
    page.wait_for_function("() => document.querySelector('#video').currentTime > 1.5")
    assert page.evaluate("() => document.querySelector('#video').error") is None
    page.wait_for_function(
        """() => { const t = document.querySelector('#video').textTracks[0];
        return t && t.cues && t.cues.length === 1
            && t.cues[0].text.includes('Keep the lights on'); }""",
        timeout=15_000,
    )
    assert "Night Shift" in page.inner_text("h1")
    assert not [e for e in page.errors if "favicon" not in e], page.errors


@pytest.mark.django_db(transaction=True)
def test_an_episode_timeline_comments_intro_votes_and_the_next_episode(page, site, series):
    page.goto(f"{site.url}/watch/{series.short_id}/?s=1&e=1")
    page.wait_for_function("() => document.querySelector('#video').currentTime > 2")
    # A comment at this second appears over the video as it plays on.
    page.fill("#comment-body", "The lighthouse!")
    page.click(".comment-form button[type=submit]")
    page.wait_for_selector("#timeline-comments .comment", timeout=15_000)
    assert "The lighthouse!" in page.inner_text("#timeline-comments")
    # Mark the intro: where it starts, then where it ends.
    page.click("#vote-intro")
    page.evaluate("() => { document.querySelector('#video').currentTime = 40; }")
    page.wait_for_function("() => document.querySelector('#video').currentTime >= 40")
    page.click("#vote-intro")
    page.wait_for_function(
        "() => document.querySelector('#toast').textContent.includes('intro timing is counted')"
    )
    vote = IntroVote.objects.get(title=series)
    assert vote.episode.number == 1 and vote.end >= 40 > vote.start
    # The next episode.
    page.click("#next-episode")
    page.wait_for_url("**s=1&e=2")
    page.wait_for_function("() => document.querySelector('#video').currentTime > 1")
    assert "S1E2" in page.inner_text("h1")
    _no_errors(page)
