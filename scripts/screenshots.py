"""Make docs/screenshots/ from the running demo, so the pictures match the code.

    .venv/bin/python scripts/screenshots.py        # (scripts/test.sh's venv: Playwright)

A private embedded deployment in a temporary directory (SQLite, the local vault, the demo
library of ``seed_demo`` — its media files are reused from ``var/demo-media``), served by
uvicorn as ``scripts/dev.sh`` does, photographed by Debian's Chromium through Playwright: the
site, a title, the player playing, the reader, the admin (its dashboard light and dark, the
reports list), live, and the studio (sign-in,
projects, a project, the scene board, the assistant, prompt templates; the studio demo is made
first) — the studio's also at a phone's 390 px. Nothing of the developer's own
database or admin password is touched.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PLAYING = """() => { const v = document.querySelector('#video');
  return v && v.currentTime > 1 && !v.error; }"""
# One staff login made in the temporary database (never the developer's admin).
STAFF_PASSWORD = secrets.token_urlsafe(12)
FACTS = """
import json
from django.contrib.auth import get_user_model
from catalog.models import Chapter, Title
user, _ = get_user_model().objects.get_or_create(username="screenshots")
user.is_staff = user.is_superuser = True
user.set_password({password!r})
user.save()
movie = Title.objects.filter(media_type="movie", status="available").order_by("id").first()
chapter = Chapter.objects.select_related("manga").order_by("id").first()
from studio.models import Episode, PromptTemplate
episode = Episode.objects.select_related("project").order_by("id").first()
facts = {{"movie": movie.short_id, "manga": chapter.manga.short_id, "chapter": chapter.pk,
         "project": episode.project_id, "episode": episode.pk,
         "prompt": PromptTemplate.objects.order_by("id").first().pk}}
# Two viewers' reports for the moderation pages (the medic triages them as it would).
from medic.services import report_create
for n, issue in enumerate(("dead_link", "out_of_sync")):
    viewer, _ = get_user_model().objects.get_or_create(username=f"viewer{{n}}")
    if not movie.reports.filter(reported_by=viewer).exists():
        report_create(actor=viewer, title=movie, media_file=movie.files.first(), issue=issue)
print(json.dumps(facts))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def _shoot(base: str, facts: dict) -> list[Path]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--mute-audio",
                  "--autoplay-policy=no-user-gesture-required"],
        )  # fmt: skip
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        made = []

        def shot(name: str) -> None:
            path = OUT / f"{name}.png"
            page.screenshot(path=str(path))
            made.append(path)

        page.goto(f"{base}/")
        page.wait_for_selector("a[href*='/title/']")
        shot("site")
        page.goto(f"{base}/title/{facts['movie']}/")
        page.wait_for_load_state("networkidle")
        shot("title")
        page.goto(f"{base}/watch/{facts['movie']}/")
        page.wait_for_function(PLAYING, timeout=30_000)
        shot("player")
        page.goto(f"{base}/read/{facts['manga']}/{facts['chapter']}/")
        page.wait_for_function(
            "() => [...document.images].some(i => i.complete && i.naturalWidth > 0)",
            timeout=30_000,
        )
        shot("reader")
        page.goto(f"{base}/live/")
        page.wait_for_load_state("networkidle")
        shot("live")
        page.goto(f"{base}/studio/")
        shot("studio-signin")
        page.goto(f"{base}/admin/login/")
        page.fill("#id_username", "screenshots")
        page.fill("#id_password", STAFF_PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"{base}/admin/")
        page.wait_for_load_state("networkidle")
        shot("admin")
        page.goto(f"{base}/admin/medic/report/")
        shot("admin-reports")
        page.emulate_media(color_scheme="dark")
        page.goto(f"{base}/admin/")
        page.wait_for_load_state("networkidle")
        shot("admin-dark")
        page.emulate_media(color_scheme="light")
        studio = [
            ("studio-projects", "/studio/", "#tier"),
            ("studio-project", f"/studio/projects/{facts['project']}/", "#cast"),
            ("studio-board", f"/studio/episodes/{facts['episode']}/", "#board[data-transport]"),
            (
                "studio-session",
                f"/studio/projects/{facts['project']}/session/",
                "#session[data-ready]",
            ),
            ("studio-prompts", f"/studio/prompts/?t={facts['prompt']}", "#check"),
        ]
        for width, suffix in ((1280, ""), (390, "-phone")):
            page.set_viewport_size({"width": width, "height": 800 if width > 400 else 844})
            for name, path, ready in studio:
                page.goto(f"{base}{path}")
                page.wait_for_selector(ready)
                page.wait_for_load_state("networkidle")
                shot(name + suffix)
        browser.close()
        return made


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="streamvault-shots-") as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "VAULT_DIR": f"{tmp}/vault",
            "TELEGRAM_GATEWAY": "fake",
            "CELERY_TRACE_LOG_LEVEL": "WARNING",
        }
        print(">> migrate and seed the demo library")
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "seed_demo")
        _manage(env, "studio_demo")
        facts = json.loads(
            _manage(env, "shell", "-c", FACTS.format(password=STAFF_PASSWORD))
            .strip()
            .splitlines()[-1]
        )
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "streamvault.asgi:application",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(f"{base}/api/session/")
            for path in _shoot(base, facts):
                print(f">> {path.relative_to(ROOT)}")
        finally:
            server.terminate()
            server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
