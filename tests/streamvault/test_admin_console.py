"""The admin console's frame: the sidebar grouped by work with a badge where something waits,
each page listed only for those allowed to see it; the brand of the site the admin is opened
on; and the index's dashboard from measured data in a fixed number of queries."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse

from catalog.models import Title
from catalog.plays import play_record
from core.hosts import AllowedHosts
from ingest.models import Submission
from jobs.models import Job
from live.models import Creator, Stream, StreamReport
from tenants.models import Tenant, TenantDomain
from tenants.resolve import VERSION_KEY, tenants_forget
from tests.community.factories import held_comment
from tests.factories import StaffFactory, TitleFactory, UserFactory
from tests.medic.factories import report_on, stored_file
from tests.medic.test_admin import sidebar_badge

pytestmark = pytest.mark.django_db

GROUPS = ["Moderation", "Catalog", "Ingest", "Swarm", "Live", "Studio", "Tenants", "People"]


def _waiting() -> None:
    """One of everything that waits for a human."""
    report_on(stored_file(TitleFactory()))
    Submission.objects.create(user=UserFactory(), url="https://example.org/a.mkv")
    held_comment()
    creator = Creator.objects.create(user=UserFactory(), channel_name="Waiting", status="pending")
    live = Creator.objects.create(user=UserFactory(), channel_name="On air", status="active")
    stream = Stream.objects.create(creator=live, title="On air", status="live")
    StreamReport.objects.create(stream=stream, reported_by=UserFactory(), reason="spam")
    Job.objects.create(kind="ingest_url", status="failed", payload={})
    assert creator.status == "pending"


def test_the_sidebar_groups_the_work_and_shows_what_waits(client):
    _waiting()
    client.force_login(StaffFactory())
    body = client.get(reverse("admin:core_auditentry_changelist")).content.decode()
    found = [re.search(rf">\s*{name}\s*<", body) for name in GROUPS]
    assert all(found), [n for n, m in zip(GROUPS, found, strict=True) if not m]
    positions = [m.start() for m in found if m]
    assert positions == sorted(positions)
    for name in ("medic_report", "ingest_submission", "community_comment", "live_streamreport"):
        assert sidebar_badge(body, reverse(f"admin:{name}_changelist")) == "1", name
    assert sidebar_badge(body, reverse("admin:live_creator_changelist")) == "1"
    assert sidebar_badge(body, reverse("admin:jobs_job_changelist")) == "1"
    assert sidebar_badge(body, reverse("admin:catalog_title_changelist")) == ""
    assert "Django administration" not in body and "StreamVault" in body


def test_a_moderator_sees_only_the_pages_they_may_use(client, django_assert_max_num_queries):
    _waiting()
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("admin:medic_report_changelist")).content.decode()
    for page in ("medic_report", "community_comment", "core_auditentry", "catalog_title"):
        assert f'href="{reverse(f"admin:{page}_changelist")}"' in body, page
    for page in ("tenants_tenant", "jobs_job", "swarm_worker", "studio_project", "live_creator"):
        assert f'href="{reverse(f"admin:{page}_changelist")}"' not in body, page
    assert sidebar_badge(body, reverse("admin:medic_report_changelist")) == "1"


def test_a_tenants_staff_see_its_brand(client, settings, django_capture_on_commit_callbacks):
    settings.TENANT_CHECK_SECONDS = 0
    settings.ALLOWED_HOSTS = AllowedHosts(["testserver"])  # adds the tenants' domains
    cache.delete(VERSION_KEY)
    tenants_forget()
    with django_capture_on_commit_callbacks(execute=True):
        Tenant.objects.create(name="StreamVault", is_default=True)
        hub = Tenant.objects.create(name="Anime Hub")
        TenantDomain.objects.create(tenant=hub, domain="anime-hub.com", is_primary=True)
    client.force_login(StaffFactory())
    on_hub = client.get("/admin/", HTTP_HOST="anime-hub.com").content.decode()
    assert "Anime Hub" in on_hub
    assert "Anime Hub" not in client.get("/admin/").content.decode()


def test_the_dashboard_is_drawn_from_the_data_in_fixed_queries(
    client, django_assert_max_num_queries
):
    client.force_login(StaffFactory())
    _waiting()
    for views in (5, 50, 500):
        Title.objects.filter(pk=TitleFactory(title=f"Seen {views}").pk).update(views=views)
    Job.objects.create(kind="ingest_url", status="done", payload={})
    seen = Title.objects.get(title="Seen 5")
    for visitor in ("a", "b", "c", "c"):  # c's second play the same day does not count
        play_record(title_id=seen.pk, visitor_id=visitor)
    with django_assert_max_num_queries(30) as first:
        body = client.get(reverse("admin:index")).content.decode()
    top = body.split('id="top-titles"')[1].split("</ol>")[0]
    assert top.index("Seen 500") < top.index("Seen 50<") < top.index("Seen 5<")
    assert 'id="live-now">1<' in body
    assert "&quot;label&quot;: &quot;failed&quot;, &quot;data&quot;: [0," in body  # Chart.js data
    after = body.split("Plays per hour", 1)[1]
    plays = json.loads(html.unescape(after.split('data-value="', 1)[1].split('"', 1)[0]))
    assert plays["datasets"][0]["data"][-1] == 3  # this hour's plays
    assert body.count('class="chart"') == 3 and 'id="medic-chart"' in body
    # Ten times the titles and jobs: not one query more.
    for n in range(30):
        TitleFactory(title=f"More {n}")
        Job.objects.create(kind="ingest_local", status="failed", payload={})
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse("admin:index")).status_code == 200


# Settings tables of a few rows: nothing to search in.
FEW_ROWS = {
    "live.PageSettings",
    "live.StreamAnalytics",
    "studio.GeneratorChoice",
    "studio.Session",
    "studio.Tier",
}


def test_every_list_of_ours_is_ordered_on_purpose_and_searchable(rf):
    """Each changelist of our apps states its order (its admin's, its model's or its admin's
    queryset's, as "pending first" — not the primary key Django falls back to by accident) and
    has a search box, but for the settings tables of a few rows."""
    request = rf.get("/admin/")
    request.user = StaffFactory()
    ours = {"accounts", "catalog", "community", "core", "ingest", "jobs", "live", "medic"}
    ours |= {"studio", "swarm", "tenants"}
    unordered, unsearchable = [], []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if model._meta.app_label not in ours:
            continue
        stated = model_admin.ordering or model._meta.ordering
        if not (stated or model_admin.get_queryset(request).query.order_by):
            unordered.append(label)
        if not model_admin.search_fields and label not in FEW_ROWS:
            unsearchable.append(label)
    assert unordered == [] and unsearchable == [], (unordered, unsearchable)


def _changelists() -> list[tuple[str, str]]:
    ours = {"accounts", "catalog", "community", "core", "ingest", "jobs", "live", "medic"}
    ours |= {"studio", "swarm", "tenants"}
    return sorted(
        (
            model._meta.label,
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"),
        )
        for model in admin.site._registry
        if model._meta.app_label in ours
    )


def test_every_filter_search_and_column_order_of_every_list_answers(admin_client):
    """Each list's search, each column's sort (all at once) and each filter's choices — the
    first and the last of each, as a moderator clicks them — answer 200 over one of each
    thing that waits for a human."""
    _waiting()
    failed: list[str] = []
    for label, url in _changelists():
        response = admin_client.get(url)
        if response.status_code != 200:
            failed.append(f"{label} {url}: {response.status_code}")
            continue
        cl = response.context["cl"]
        asked = [
            f"{url}?q=a",
            f"{url}?o=" + ".".join(str(i) for i in range(1, len(cl.list_display))),
        ]
        for spec in cl.filter_specs:
            choices = [c["query_string"] for c in spec.choices(cl) if not c.get("selected")]
            asked += [url + q for q in {choices[0], choices[-1]} if choices] if choices else []
        for ask in asked:
            status = admin_client.get(ask).status_code
            if status != 200:
                failed.append(f"{label} {ask}: {status}")
    assert failed == []
