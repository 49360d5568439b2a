"""The admin console in Chromium. A moderator signs in with the theme's form, lands on the
dashboard, follows the sidebar's Reports badge to the pending report, marks it fixed with the
list's action bar, and the badge is gone — in dark mode, the dashboard's charts drawn, with no
JavaScript error and nothing that fails to load (the theme's CSS, fonts and charts are its own
static files). A superuser's day: a submission approved and another rejected from quarantine,
a held comment removed, a creator blocked and a title taken down, each from its list's action
bar. An editor's day: an
episode's name and pinned intro changed in its series' inline, the document rebuilt, a genre
deleted — each audited — with no moderation in their sidebar and no takedown in their actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from catalog.models import Episode, Genre, Title
from core.models import AuditEntry
from ingest.models import Submission
from live.models import Creator
from medic.models import Report, ReportStatus
from tests.community.factories import held_comment
from tests.factories import StaffFactory, TitleFactory, UserFactory
from tests.medic.factories import report_on, stored_file
from tests.support.threads import in_other_thread

PASSWORD = "a long moderator password"
REPORTS = "/admin/medic/report/"


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


@pytest.mark.django_db(transaction=True)
def test_a_moderator_works_a_report_from_the_sidebar(site, page):
    # The vault's put is async: outside Playwright's event loop.
    report = in_other_thread(lambda: report_on(stored_file(TitleFactory(title="Broken Film"))))
    moderator = UserFactory(is_staff=True, username="moderator")
    moderator.set_password(PASSWORD)
    moderator.save()
    moderator.groups.add(Group.objects.get(name="Moderators"))

    page.emulate_media(color_scheme="dark")  # the theme follows the system's choice
    _sign_in(page, site.url, "moderator")
    page.wait_for_load_state("networkidle")
    assert page.locator("#admin-dashboard").is_visible()
    assert "dark" in (page.locator("html").get_attribute("class") or "")
    # Chart.js drew every canvas (a drawn chart has a Chart instance and a size).
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas.chart')]"
        ".map(c => !!window.Chart && !!Chart.getChart(c) && c.width > 0)"
    )
    assert drawn == [True, True, True]
    sidebar = page.locator(f'a[href="{REPORTS}"]').first
    assert sidebar.inner_text().split() == ["flag", "Reports", "1"]  # icon, name, badge
    # A moderator has no business with tenants or workers: not in the sidebar.
    assert page.locator('a[href="/admin/tenants/tenant/"]').count() == 0
    assert page.locator('a[href="/admin/swarm/worker/"]').count() == 0

    sidebar.click()
    page.wait_for_url(f"{site.url}{REPORTS}")
    page.check('input[name="_selected_action"]')
    page.select_option('select[name="action"]', "mark_fixed")
    page.click('button[name="index"]')
    page.wait_for_selector("text=1 report(s) marked fixed.")
    assert Report.objects.get(pk=report.pk).status == ReportStatus.FIXED
    sidebar = page.locator(f'a[href="{REPORTS}"]').first  # then the breadcrumbs' link
    assert sidebar.inner_text().split() == ["flag", "Reports"]
    assert page.errors == []


def _run(page, base: str, changelist: str, row: str, action: str) -> None:
    """Tick the row that shows ``row`` on a list, pick the action in the bar, Run."""
    page.goto(f"{base}{changelist}")
    page.locator("tr", has_text=row).locator('input[name="_selected_action"]').check()
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')


def _give_reason(page, reason: str) -> None:
    """An action's intermediate page: the reason, then its button."""
    page.fill("#id_reason", reason)
    page.click("form input[type=submit]")


@pytest.mark.django_db(transaction=True)
def test_a_superusers_day_quarantine_a_comment_a_creator_and_a_takedown(site, page):
    admin = StaffFactory(username="chief")
    admin.set_password(PASSWORD)
    admin.save()
    submission = Submission.objects.create(user=UserFactory(), url="https://spam.example/x.mkv")
    # Approved, it becomes an ingest job (run here at once: this address refuses, so it fails
    # fast — what is checked is the approval).
    wanted = Submission.objects.create(user=UserFactory(), url="http://127.0.0.1:9/film.mkv")
    comment = in_other_thread(held_comment)
    creator = Creator.objects.create(user=UserFactory(), channel_name="Loud", status="active")
    title = TitleFactory(title="Pirated Film")

    _sign_in(page, site.url, "chief")
    _run(page, site.url, "/admin/ingest/submission/", "127.0.0.1:9", "approve")
    page.wait_for_selector("text=Approved 1 submission(s).")
    _run(page, site.url, "/admin/ingest/submission/", "spam.example", "reject")
    _give_reason(page, "not a film")
    page.wait_for_selector("text=Rejected 1 submission(s).")
    _run(page, site.url, "/admin/community/comment/", comment.body[:20], "remove")
    page.wait_for_selector("text=1 removed.")
    _run(page, site.url, "/admin/live/creator/", "Loud", "block")
    page.wait_for_selector("text=1 blocked.")
    _run(page, site.url, "/admin/catalog/title/", "Pirated Film", "take_down")
    _give_reason(page, "DMCA notice 7")
    page.wait_for_selector("text=Take titles down: 1 changed.")

    submission.refresh_from_db()
    comment.refresh_from_db()
    creator.refresh_from_db()
    title.refresh_from_db()
    assert (submission.status, submission.reject_reason) == ("rejected", "not a film")
    wanted.refresh_from_db()
    assert wanted.status == "approved" and wanted.job is not None
    assert comment.moderation_status == "deleted"
    assert creator.is_blocked
    assert title.status == "banned"
    assert set(AuditEntry.objects.filter(actor=admin).values_list("action", flat=True)) >= {
        "submission_approve",
        "submission_reject",
        "comment_remove",
        "creator_block",
        "title_takedown",
    }
    assert page.errors == []


@pytest.mark.django_db(transaction=True)
def test_an_editors_day_an_episode_a_document_and_a_genre(site, page):
    editor = UserFactory(is_staff=True, username="editor")
    editor.set_password(PASSWORD)
    editor.save()
    editor.groups.add(Group.objects.get(name="Editors"))
    series = TitleFactory(title="Harbour Nights", media_type="series", genres=["Drama"])
    episode = Episode.objects.create(series=series, season=1, number=1, name="Pilot")
    Genre.objects.create(name="Misfiled", slug="misfiled")

    _sign_in(page, site.url, "editor")
    # The catalog is theirs; reports, users and workers are not (not in the sidebar).
    assert page.locator('a[href="/admin/catalog/title/"]').count() >= 1
    for other in ("/admin/medic/report/", "/admin/accounts/user/", "/admin/swarm/worker/"):
        assert page.locator(f'a[href="{other}"]').count() == 0

    page.goto(f"{site.url}/admin/catalog/title/{series.pk}/change/")
    page.fill('input[name$="-0-name"]', "Low Tide")
    page.fill('input[name$="-0-intro_start"]', "5")
    page.fill('input[name$="-0-intro_end"]', "65")
    page.click('button[name="_save"]')
    page.wait_for_selector("text=was changed successfully")
    episode.refresh_from_db()
    assert (episode.name, episode.intro_start, episode.intro_end) == ("Low Tide", 5, 65)

    page.goto(f"{site.url}/admin/catalog/title/")
    options = page.locator('select[name="action"] option').evaluate_all(
        "os => os.map(o => o.value)"
    )
    assert "rebuild_documents" in options and "take_down" not in options  # not theirs
    _run(page, site.url, "/admin/catalog/title/", "Harbour Nights", "rebuild_documents")
    page.wait_for_selector("text=Rebuilt 1 document(s).")
    assert Title.objects.get(pk=series.pk).document["seasons"]["1"][0]["title"] == "Low Tide"

    _run(page, site.url, "/admin/catalog/genre/", "Misfiled", "delete_selected")
    page.click('button[type="submit"]:has-text("Yes")')  # the confirmation page
    page.wait_for_selector("text=Successfully deleted 1")
    assert not Genre.objects.filter(slug="misfiled").exists()

    done = list(AuditEntry.objects.filter(actor=editor).values_list("action", "target_repr"))
    actions = {action for action, _ in done}
    assert {"intro_pin", "admin_change", "admin_delete"} <= actions, done
    assert page.errors == []
