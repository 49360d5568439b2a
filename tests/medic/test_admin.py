"""The moderation console: bounded queries on every page, the badge, the dashboard, and the
actions (each through a service, each audited)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from catalog import services as catalog
from core.models import AuditEntry
from medic import services
from medic.models import LinkCheck, Report
from tests.factories import StaffFactory, TitleFactory, UserFactory, add_file
from tests.medic.factories import report_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = StaffFactory()
    client.force_login(user)
    client.user = user
    return client


def _library(n: int = 3):
    reports = []
    for i in range(n):
        title = TitleFactory()
        f = add_file(title)
        catalog.mirrors_set(media_file=f, mirrors=[{"host": "h", "url": f"https://h.example/{i}"}])
        for _ in range(2):
            reports.append(report_on(f, user=UserFactory()))
        services.repair_open(title=title, media_file=f, reason="r")
        LinkCheck.objects.create(kind="mirror", link_id=i + 1, url="https://h", ok=False)
    services.report_mark_fixed(report=reports[0], actor=None)
    return reports


CHANGELISTS = [
    "medic_report",
    "medic_repair",
    "medic_linkcheck",
    "medic_mirrorhealth",
    "medic_takedown",
    "core_auditentry",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_have_bounded_queries(staff, model, django_assert_max_num_queries):
    _library(2)
    url = reverse(f"admin:{model}_changelist")
    with django_assert_max_num_queries(16):
        assert staff.get(url).status_code == 200
    _library(4)
    with django_assert_max_num_queries(16):
        response = staff.get(url)
    assert response.status_code == 200


def test_change_forms_have_bounded_queries(staff, django_assert_max_num_queries):
    reports = _library(1)
    admin_user = staff.user
    title = reports[0].title
    takedown = services.title_takedown(title=title, actor=admin_user, reason="DMCA")
    from medic.models import Repair

    pages = {
        "medic_report": reports[0].pk,
        "medic_repair": Repair.objects.first().pk,
        "medic_takedown": takedown.pk,
        "core_auditentry": AuditEntry.objects.first().pk,
        "medic_linkcheck": LinkCheck.objects.first().pk,
    }
    for model, pk in pages.items():
        with django_assert_max_num_queries(16):
            response = staff.get(reverse(f"admin:{model}_change", args=[pk]))
        assert response.status_code == 200, model


def test_report_list_filters_and_groups(staff):
    reports = _library(2)
    url = reverse("admin:medic_report_changelist")
    body = staff.get(url, {"status__exact": "pending"}).content.decode()
    assert body.count('name="_selected_action"') == 3
    for params in (
        {"issue__exact": "dead_link"},
        {"age": "24h"},
        {"age": "old"},
        {"target_type__exact": "file"},
    ):
        assert staff.get(url, params).status_code == 200
    assert staff.get(url, {"age": "old"}).content.decode().count('name="_selected_action"') == 0
    # "open reports on this target" links to the group.
    r = reports[2]
    body = staff.get(url, {"target_key": r.target_key}).content.decode()
    assert body.count('name="_selected_action"') == 2
    grouped = staff.get(reverse("admin:medic_report_by_target")).content.decode()
    table = grouped.split('id="medic-by-target"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 2  # header + one row per reported file
    assert r.title.title in grouped


def sidebar_badge(body: str, url: str) -> str:
    """The badge beside a page's link in the admin's sidebar ("" when it has none)."""
    link = body.split(f'<a href="{url}"', 1)[1].split("</a>", 1)[0]
    spans = re.findall(r"<span[^>]*>\s*([^<]*?)\s*</span>", link)
    return spans[2] if len(spans) > 2 else ""  # the icon, the name, the badge


def test_pending_badge_on_every_admin_page(staff, django_capture_on_commit_callbacks):
    _library(1)  # two reports, one of them fixed
    reports = reverse("admin:medic_report_changelist")
    body = staff.get(reverse("admin:catalog_title_changelist")).content.decode()
    assert sidebar_badge(body, reports) == "1"
    report = Report.objects.get(status="pending")
    with django_capture_on_commit_callbacks(execute=True):  # the cached count drops on commit
        services.report_ignore(report=report, actor=staff.user, reason="dupe")
    assert sidebar_badge(staff.get(reverse("admin:index")).content.decode(), reports) == ""


def test_dashboard_on_the_index(staff, django_assert_max_num_queries):
    _library(3)
    from jobs.models import Job
    from swarm.models import Worker

    Job.objects.create(kind="ingest_url", status="failed")
    Worker.objects.create(name="w1", status="flood_wait")
    with django_assert_max_num_queries(20):
        response = staff.get(reverse("admin:index"))
    body = response.content.decode()
    assert 'id="medic-dashboard"' in body
    assert "status__exact=pending" in body
    assert 'id="medic-chart"' in body and "opened 6" in body and "fixed 1" in body
    assert "/admin/jobs/job/?status__exact=failed" in body
    assert "Workers flood wait" in body


def test_actions_go_through_services(staff):
    reports = _library(1)
    url = reverse("admin:medic_report_changelist")
    pending = [r for r in reports if Report.objects.get(pk=r.pk).status == "pending"]
    r = pending[0]
    staff.post(url, {"action": "start_repair", "_selected_action": [r.pk]})
    assert Report.objects.get(pk=r.pk).status == "repairing"
    staff.post(url, {"action": "mark_fixed", "_selected_action": [r.pk]})
    assert Report.objects.get(pk=r.pk).status == "fixed"
    entry = AuditEntry.objects.filter(action="report_mark_fixed", actor=staff.user).get()
    assert entry.target_id == str(r.pk)


def test_ignore_asks_for_a_reason(staff):
    reports = _library(1)
    r = Report.objects.filter(pk__in=[x.pk for x in reports], status="pending").first()
    url = reverse("admin:medic_report_changelist")
    form = staff.post(url, {"action": "ignore", "_selected_action": [r.pk]})
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert Report.objects.get(pk=r.pk).status == "pending"
    staff.post(
        url,
        {
            "action": "ignore",
            "_selected_action": [r.pk],
            "apply": "1",
            "reason": "cannot reproduce",
        },
    )
    r.refresh_from_db()
    assert r.status == "ignored" and "cannot reproduce" in r.resolution_notes


def test_take_down_action_on_the_title_list(staff, django_capture_on_commit_callbacks):
    title = TitleFactory()
    add_file(title)
    url = reverse("admin:catalog_title_changelist")
    form = staff.post(url, {"action": "take_down", "_selected_action": [title.pk]})
    assert 'name="reason"' in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            url,
            {
                "action": "take_down",
                "_selected_action": [title.pk],
                "apply": "1",
                "reason": "DMCA 42",
            },
        )
    title.refresh_from_db()
    assert title.status == "banned"
    assert AuditEntry.objects.get(action="title_takedown").reason == "DMCA 42"


def test_audit_log_is_read_only_and_filtered(staff):
    _library(1)
    url = reverse("admin:core_auditentry_changelist")
    body = staff.get(url, {"action": "report_create"}).content.decode()
    assert body.count('name="_selected_action"') == 0  # no actions, no bulk delete
    assert "report_create" in body
    assert staff.get(url, {"actor": "system"}).status_code == 200
    entry = AuditEntry.objects.first()
    change = staff.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert 'name="_save"' not in change.content.decode()
    assert staff.get(reverse("admin:core_auditentry_add")).status_code == 403
