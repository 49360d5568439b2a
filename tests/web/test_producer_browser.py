"""The studio in Chromium, as a producer works in it: register with an email address (the
link read from a real SMTP server on loopback), create a project within the tier's quota and
be refused past it, add a character and hear their voice; then on the scene board produce an
episode on real Celery workers and watch its progress change without a reload, draw a new take
of a panel and pick it, publish the episode and play it on the site with its subtitles. A
stranger opening the project's pages gets a 404. Every page fits a 390 px phone."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from PIL import Image

from accounts.models import User
from studio.models import Member, Project, PromptTemplate, Scene, Tier
from tests.factories import UserFactory
from tests.studio.factories import character_of, episode_of, project_of, scene_of
from tests.support.media import _stop, free_port, start_uvicorn
from tests.support.smtp import smtp_start
from tests.support.swarm import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def inbox():
    port = free_port()
    controller, mail = smtp_start(port)
    yield port, mail
    controller.stop()


@pytest.fixture
def studio_site(tmp_path, inbox, settings):
    port, _ = inbox
    settings.VAULT_DIR = tmp_path / "vault"
    server = start_uvicorn(
        settings.VAULT_DIR,
        WHITENOISE_USE_FINDERS="true",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    yield server
    _stop(server.proc)


def _cookie(user, url: str) -> list[dict]:
    client = Client()
    client.force_login(user)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}]


def _fits_a_phone(page) -> None:
    page.set_viewport_size(PHONE)
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{page.url} is {wide} px wide on a phone"
    page.set_viewport_size({"width": 1280, "height": 800})


def _png(tmp_path):
    path = tmp_path / "look.png"
    Image.new("RGB", (64, 36), (20, 80, 160)).save(path)
    return path


def test_register_verify_create_within_quota_and_build_the_cast(studio_site, page, inbox, tmp_path):
    _, mail = inbox
    base = studio_site.url
    page.goto(f"{base}/studio/")
    _fits_a_phone(page)
    page.fill("#register input[name=name]", "Ada")
    page.fill("#register input[name=email]", "ada@example.org")
    page.fill("#register input[name=password]", PASSWORD)
    page.click("#register button[type=submit]")
    page.wait_for_selector("#signin-message.ok")
    mail.wait(1)
    link = urlsplit(mail.link())
    page.goto(f"{base}{link.path}")
    page.click("#confirm")
    page.wait_for_load_state()
    user = User.objects.get(email="ada@example.org")
    assert user.email_verified
    trial = Tier.objects.create(name="trial", max_projects=1, max_episodes_per_project=3)
    Member.objects.update_or_create(user=user, defaults={"tier": trial})

    page.goto(f"{base}/studio/")
    assert "0 of 1 projects used" in page.inner_text("#tier")
    page.fill("#create input[name=title]", "Lighthouse")
    page.fill("#create textarea[name=description]", "A keeper and a map.")
    page.click("#create button[type=submit]")
    page.wait_for_url(f"{base}/studio/projects/*/")
    project = Project.objects.get(title="Lighthouse", created_by=user)
    page.goto(f"{base}/studio/")
    page.fill("#create input[name=title]", "A second one")
    page.click("#create button[type=submit]")
    page.wait_for_selector("#create-message:not([hidden])")
    assert "allows 1 projects" in page.inner_text("#create-message")
    assert Project.objects.filter(created_by=user).count() == 1

    page.goto(f"{base}/studio/projects/{project.pk}/")
    page.fill("#character-add input[name=name]", "Mara")
    page.fill("#character-add textarea[name=description]", "The keeper's daughter.")
    page.fill("#character-add input[name=voice_characteristics]", "deep, slow")
    page.click("#character-add button[type=submit]")
    page.wait_for_selector("#cast [data-character] h3:text('Mara')")
    mara = project.characters.get(name="Mara")
    assert mara.voice_characteristics == ["deep", "slow"]
    # A relationship between two of the cast.
    character_of(project, name="Tom")
    page.reload()
    page.fill(f"form.relate[data-of='{mara.pk}'] input[name=relationship_type]", "sister")
    page.click(f"form.relate[data-of='{mara.pk}'] button")
    page.wait_for_selector(f"[data-character='{mara.pk}'] :text('Sister of Tom')")
    assert mara.relationships.get().relationship_type == "sister"
    page.click(f"[data-hear='{mara.pk}']")
    page.wait_for_function(
        f"() => {{ const a = document.querySelector('[data-voice=\"{mara.pk}\"]');"
        " return a && !a.hidden && a.duration > 1; }"
    )
    _fits_a_phone(page)
    # A style reference uploaded; scenes reordered on the board.
    page.set_input_files("#reference-upload", str(_png(tmp_path)))
    page.wait_for_selector("#references img")
    assert project.media.filter(media_type="style_reference").count() == 1
    episode = episode_of(project, title="Pilot")
    one, two = scene_of(episode, title="Dawn"), scene_of(episode, title="Dusk", scene_number=2)
    page.goto(f"{base}/studio/episodes/{episode.pk}/")
    page.click(f"[data-scene='{two.pk}'] [data-move='-1']")
    page.wait_for_selector(f"#scenes > li:first-child[data-scene='{two.pk}']")
    assert [s.pk for s in episode.scenes.order_by("scene_number")] == [two.pk, one.pk]
    _fits_a_phone(page)

    # The assistant: a choice moves the phase, words add a character, the talk is kept.
    page.goto(f"{base}/studio/projects/{project.pk}/session/")
    page.wait_for_selector("#session[data-ready]")
    assert page.inner_text("#phase") == "story"
    page.click("[data-choice='phase-character_creation']")
    page.wait_for_function("() => document.getElementById('phase').textContent === 'characters'")
    page.fill("#said", "Io: a robot who listens")
    page.click("#say button")
    page.wait_for_selector("#history li:last-child:has-text('Io joins the cast.')")
    assert project.characters.filter(name="Io").exists()
    _fits_a_phone(page)
    page.reload()
    page.wait_for_selector("#session[data-ready]")
    assert "Io joins the cast." in page.inner_text("#history")
    assert page.input_value("#ctx-character") == str(project.characters.get(name="Io").pk)

    # Prompt templates (producers): checked as you type.
    Member.objects.filter(user=user).update(role="producer")
    page.goto(f"{base}/studio/prompts/?t={PromptTemplate.objects.get(name='studio.assistant').pk}")
    page.wait_for_selector("#check:text('Looks good.')")
    page.fill("#version textarea[name=text]", "Say {{greeting}} to {{name}}")
    page.wait_for_selector("#check.bad")
    assert "{{greeting}} is used but not declared." in page.inner_text("#check")
    assert page.is_disabled("#version button[type=submit]")
    page.fill("#version textarea[name=text]", "Say hello to {{phase}}")
    page.wait_for_selector("#check:text('Looks good.')")
    page.click("#version button[type=submit]")
    page.wait_for_selector("#right option[value='2']", state="attached")
    page.wait_for_selector("#prompts[data-ready]", state="attached")
    template = PromptTemplate.objects.get(name="studio.assistant")
    assert template.versions.get(number=2).text == "Say hello to {{phase}}"
    page.select_option("#label select[name=label]", "staging")
    page.select_option("#label select[name=version]", "2")
    page.click("#label button")
    page.wait_for_selector("[data-label=staging]:text('v2')")
    _fits_a_phone(page)

    refused = f"403 {base}/api/studio/projects/"  # the second project, past the quota
    assert [e for e in page.errors if "telegram" not in e] == [refused], page.errors

    stranger = UserFactory()
    page.context.clear_cookies()
    page.context.add_cookies(_cookie(stranger, base))
    for path in (f"/studio/projects/{project.pk}/", f"/studio/projects/{project.pk}/session/"):
        assert page.goto(f"{base}{path}").status == 404


def test_produce_watch_retake_publish_and_play(studio_site, page, swarm_workers):
    base = studio_site.url
    owner = UserFactory(first_name="Producer")
    project = project_of(owner, title="Harbour Lights")
    mara = character_of(project, name="Mara", voice_characteristics=["bright"])
    episode = episode_of(project, title="Low Tide")
    scene_of(
        episode,
        action="The harbour at dawn",
        location="Harbour",
        characters=[mara.pk],
        dialogue=[{"character": mara.pk, "lines": "The boats are back."}],
    )
    # Every queue: publishing tells those who wished for the series (the Telegram queue).
    swarm_workers.start(concurrency=2)
    page.context.add_cookies(_cookie(owner, base))
    page.goto(f"{base}/studio/episodes/{episode.pk}/")
    page.wait_for_selector("#board[data-transport=live]")
    page.evaluate("() => { window.notReloaded = true; }")
    page.click("#produce")
    page.wait_for_selector("#progress [data-task]")
    page.wait_for_selector("#ready:not([hidden])", timeout=120_000)
    assert page.evaluate("() => window.notReloaded") is True  # it changed without a reload
    assert page.locator("#progress [data-status=done]").count() == 3  # the last three
    assert "more finished" in page.inner_text("#progress")
    assert not project.tasks.exclude(job__status="done").exists()
    _fits_a_phone(page)

    page.reload()
    scene = Scene.objects.get(episode=episode)
    first = scene.panels[0]["image"]
    panel = page.locator("[data-panel='1']").first
    panel.locator("summary").click()
    panel.locator("textarea[name=description]").fill("A red moon over the harbour")
    panel.locator("form.redraw button").click()
    panel.locator(".studio-takes li").nth(1).wait_for(timeout=60_000)
    panel.locator("[data-pick]").first.click()
    page.wait_for_selector("#board-message.ok")
    wait_for(
        lambda: Scene.objects.get(pk=scene.pk).panels[0]["image"] != first,
        what="the picked take",
    )
    wait_for(
        lambda: not project.tasks.filter(job__status__in=["queued", "running"]).exists(),
        timeout=120,
        what="the clip and the episode made again",
    )

    page.reload()
    assert "your pick" in panel.inner_text()
    # A line edited on the board is spoken again by "Produce what changed".
    voiced = project.tasks.filter(task_type="audio_generation").count()
    page.fill("form.line input[name=lines]", "The boats are late tonight.")
    page.click("form.line button")
    page.wait_for_selector("#board-message.ok:has-text('Line saved')")
    assert Scene.objects.get(pk=scene.pk).dialogue[0]["lines"] == "The boats are late tonight."
    page.click("#produce")
    wait_for(
        lambda: (
            project.tasks.filter(task_type="audio_generation").count() == voiced + 1
            and not project.tasks.filter(job__status__in=["queued", "running"]).exists()
        ),
        timeout=120,
        what="the line spoken again and its scene remade",
    )
    page.reload()
    page.click("#publish")
    page.wait_for_selector("#watch", timeout=120_000)
    page.click("#watch")
    page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return v && v.currentTime > 0.3 && !v.error; }",
        timeout=60_000,
    )
    assert page.locator("track").count() >= 1

    # Without WebSockets the board polls, and shows the same progress.
    polling = page.context.new_page()
    polling.add_init_script("delete window.WebSocket")
    polling.goto(f"{base}/studio/episodes/{episode.pk}/")
    polling.wait_for_selector("#board[data-transport=polling]")
    polling.wait_for_selector("#progress [data-status=done]")
    assert "updating every 2 s" in polling.inner_text("#transport")
    polling.close()

    assert not [e for e in page.errors if "telegram" not in e], page.errors
