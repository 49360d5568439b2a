"""The studio in the admin: every changelist in a fixed number of queries whatever the number
of rows, scenes per episode in order with their badges, the prompt versions side by side, the
executions' totals per project, a member's tier changed through the service (audited), and a
project deleted from the admin taking what hangs under it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEntry
from studio.generators import generator_path
from studio.models import Embedding, FalRequest, GeneratorChoice, Member, Project, PromptExecution
from studio.services import costs, prompts, sessions, tasks
from tests.factories import StaffFactory
from tests.studio.factories import (
    character_of,
    episode_of,
    media_of,
    producer,
    project_of,
    scene_of,
)

pytestmark = pytest.mark.django_db


def _rows(n: int) -> None:
    for i in range(n):
        owner = producer()
        project = project_of(owner)
        episode = episode_of(project)
        character_of(project)
        scene_of(episode)
        media = media_of(project)
        Embedding.objects.create(media=media, model="m", dimensions=2, vector=b"\0" * 8)
        sessions.session_open(actor=owner, project=project, data={})
        ((task, _),) = tasks.tasks_create(
            actor=owner, project=project, specs=[{"task_type": "image_generation"}]
        )
        FalRequest.objects.create(request_id=f"r{task.pk}", task=task, model="fal-ai/x", key="k")
        template = prompts.prompt_template_create(
            actor=owner,
            data={"name": f"t{Project.objects.count()}-{i}", "text": "Hi", "model": "m"},
        )
        prompts.prompt_run(
            template=template,
            inputs={},
            project=project,
            call=lambda *a: prompts.CallResult("ok", tokens_in=3, cost=1),
        )


MODELS = [
    "tier",
    "member",
    "project",
    "episode",
    "scene",
    "character",
    "media",
    "session",
    "task",
    "prompttemplate",
    "promptexecution",
    "falrequest",
    "embedding",
    "generatorchoice",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelists_take_a_fixed_number_of_queries(client, model, django_assert_max_num_queries):
    client.force_login(StaffFactory())
    _rows(2)
    client.get(f"/admin/studio/{model}/")
    with django_assert_max_num_queries(14) as few:
        assert client.get(f"/admin/studio/{model}/").status_code == 200
    _rows(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/admin/studio/{model}/").status_code == 200


def test_scenes_in_order_versions_side_by_side_and_totals(client):
    client.force_login(StaffFactory())
    owner = producer()
    project = project_of(owner, title="Totals")
    episode = episode_of(project)
    for title in ("First", "Second"):
        scene_of(episode, title=title)
    page = client.get(f"/admin/studio/scene/?episode__id__exact={episode.pk}").content.decode()
    assert page.index("First") < page.index("Second") and "pending</span>" in page
    template = prompts.prompt_template_create(
        actor=owner, data={"name": "d", "text": "Old line", "model": "m"}
    )
    prompts.prompt_template_save(actor=owner, template=template, data={"text": "New line"})
    change = client.get(f"/admin/studio/prompttemplate/{template.pk}/change/").content.decode()
    assert "v2" in change and "New&nbsp;line" in change and "Old&nbsp;line" in change
    assert "diff_sub" in change and "diff_add" in change
    for cost in (2, 3):
        prompts.prompt_run(
            template=template,
            inputs={},
            project=project,
            call=lambda *a, c=cost: prompts.CallResult("ok", tokens_in=10, cost=c),
        )
    listing = client.get("/admin/studio/promptexecution/").content.decode()
    assert "Totals" in listing and "5.000000" in listing
    assert PromptExecution.objects.count() == 2


def test_a_tier_change_goes_through_the_service(client):
    staff = StaffFactory()
    client.force_login(staff)
    member = Member.objects.get(user=producer())
    url = f"/admin/studio/member/{member.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "user"}
    pro = form.fields["tier"].queryset.get(name="pro")
    response = client.post(url, {**data, "tier": pro.pk, "notifications": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.tier.name == "pro"
    entry = AuditEntry.objects.get(action="studio_member_update")
    assert entry.actor == staff and entry.after == {"tier": "pro"}


def test_deleting_a_project_in_the_admin_uses_the_service(client):
    staff = StaffFactory()
    client.force_login(staff)
    project = project_of(producer())
    scene_of(episode_of(project))
    response = client.post(f"/admin/studio/project/{project.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Project.objects.exists()
    assert AuditEntry.objects.filter(action="studio_project_delete", actor=staff).count() == 1


def test_a_top_up_in_the_admin_is_audited_and_shown_with_the_months_budget(client):
    staff = StaffFactory()
    client.force_login(staff)
    owner = producer()
    member = Member.objects.get(user=owner)
    url = f"/admin/studio/member/{member.pk}/change/"
    page = client.get(url)
    assert "$0.00 / $0.00 / $0.00" in page.content.decode()  # the free tier: nothing to spend
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "user"}
    response = client.post(url, {**data, "tier": member.tier_id, "budget_top_up": "12.50"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="studio_member_update")
    assert entry.actor == staff and entry.after == {"budget_top_up": "12.50"}
    assert "$12.50 / $0.00 / $12.50" in client.get(url).content.decode()
    project = project_of(owner)
    page = client.get(f"/admin/studio/project/{project.pk}/change/").content.decode()
    assert "Spend (all time, by task type)" in page and "$0.00" in page


def test_a_studio_admin_chooses_a_tasks_generator_in_the_admin(client, settings):
    staff = StaffFactory()
    client.force_login(staff)
    add = "/admin/studio/generatorchoice/add/"
    assert generator_path("image_generation") == "studio.local.storyboard.storyboard"
    wrong = client.post(
        add, {"task_type": "image_generation", "generator": "studio.providers.openrouter.script"}
    )
    assert (
        wrong.status_code == 200 and "Not a generator of image_generation" in wrong.content.decode()
    )
    done = client.post(
        add, {"task_type": "image_generation", "generator": "studio.providers.fal.image"}
    )
    assert done.status_code == 302
    assert generator_path("image_generation") == "studio.providers.fal.image"
    assert costs.task_estimate("image_generation") == Decimal("0.03")  # fal's estimate now
    entry = AuditEntry.objects.get(action="studio_generator_choose")
    assert entry.actor == staff and entry.after["generator"] == "studio.providers.fal.image"
    choice = GeneratorChoice.objects.get()
    assert (
        client.post(
            f"/admin/studio/generatorchoice/{choice.pk}/delete/", {"post": "yes"}
        ).status_code
        == 302
    )
    assert generator_path("image_generation") == "studio.local.storyboard.storyboard"
    assert AuditEntry.objects.filter(action="studio_generator_unchoose").count() == 1
    # Staff who are not studio admins see the choices but change nothing.
    client.force_login(StaffFactory(is_superuser=False))
    assert (
        client.post(
            add, {"task_type": "audio_generation", "generator": "studio.local.speech.speech"}
        ).status_code
        == 403
    )
