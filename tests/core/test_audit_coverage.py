"""Every moderation action is audited: this walks every action of every ModelAdmin registered
on the site, runs it through the admin on one row in the state it applies to, and finds exactly
one audit row for it (by the acting staff user), then runs it again and finds none more where
the action is idempotent. A new admin action fails here until it is audited or listed, with a
reason, as not a moderation decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from catalog import services as catalog
from catalog.models import FileStatus, MediaFile, Title, TitleStatus
from core.models import AuditEntry
from ingest.models import BlockedHash, Submission
from jobs.models import Job, JobStatus
from live.models import ChatBan, ChatMessage, Creator, Stream, StreamReport, StreamStatus
from medic import services as medic
from medic.models import Takedown
from studio.models import PromptTemplate, Task
from studio.services import projects as studio_projects
from studio.services import prompts as studio_prompts
from studio.services import tasks as studio_tasks
from swarm.models import Worker, WorkerStatus
from tenants.models import Tenant
from tests.community.factories import comment_on, held_comment
from tests.factories import StaffFactory, TitleFactory, UserFactory, add_file
from tests.medic.factories import report_on

pytestmark = pytest.mark.django_db

NOT_MODERATION = {
    ("catalog.title", "rebuild_documents"): "recomputes the read model from the rows",
    ("catalog.title", "build_packs"): "queues pack_build jobs (the job rows are the record)",
    ("catalog.title", "rematch_metadata"): (
        "refetches from TMDB and OMDb; each change is a title_edit row (tests/ingest/test_omdb.py)"
    ),
    ("medic.mirrorhealth", "check_now"): "runs a link check (kept as LinkCheck rows)",
    (
        "medic.takedown",
        "run_again",
    ): "re-sends an audited takedown's execution (results on its row)",
    ("catalog.mediafile", "make_renditions"): "queues rendition jobs (the job rows are the record)",
    **{
        ("django_celery_beat.periodictask", name): "third-party schedule admin"
        for name in ("enable_tasks", "disable_tasks", "toggle_tasks", "run_tasks")
    },
}


@dataclass
class Case:
    make: Callable[[], Any]
    action: str  # the audit row's action
    extra: dict[str, Any] = field(default_factory=dict)
    idempotent: bool = True
    also: tuple[str, ...] = ()  # rows for other objects the action creates (a repair it opens)
    target: Callable[[Any], Any] = lambda obj: obj  # what the row is about


def _user(**kw) -> User:
    return UserFactory(**kw)


def _creator(**kw) -> Creator:
    return Creator.objects.create(
        user=UserFactory(), channel_name=f"Channel {Creator.objects.count()}", **kw
    )


def _stream_report() -> StreamReport:
    stream = Stream.objects.create(creator=_creator(status="active"), title="Reported")
    return StreamReport.objects.create(stream=stream, reported_by=_user(), reason="spam")


def _job(status: str) -> Job:
    return Job.objects.create(kind="channel_post", status=status, payload={})


def _worker(**kw) -> Worker:
    return Worker.objects.create(name=f"w{Worker.objects.count()}", **kw)


def _file(status: str = FileStatus.ACTIVE) -> MediaFile:
    media_file = add_file(TitleFactory())
    catalog.media_file_set_status(media_file=media_file, status=status)
    return media_file


def _studio_task(status: str) -> Task:
    owner = UserFactory()
    project = studio_projects.project_create(actor=owner, data={"title": "P", "genre": "drama"})
    made = studio_tasks.tasks_create(
        actor=owner, project=project, specs=[{"task_type": "image_generation"}]
    )
    Job.objects.filter(pk=made[0][0].job_id).update(status=status)
    return made[0][0]


def _prompt(deployed: int | None = None) -> PromptTemplate:
    owner = UserFactory()
    data = {"name": f"p{PromptTemplate.objects.count()}", "text": "Hi", "model": "local"}
    template = studio_prompts.prompt_template_create(actor=owner, data=data)
    if deployed:
        studio_prompts.prompt_template_save(actor=owner, template=template, data={"text": "Hey"})
        studio_prompts.prompt_label_move(
            actor=owner, template=template, label="production", number=deployed
        )
    return template


def _taken_down() -> Takedown:
    title = TitleFactory()
    return medic.title_takedown(title=title, actor=StaffFactory(), reason="dmca #1")


REASON = {"apply": "1", "reason": "checked by hand"}

CASES: dict[tuple[str, str], Case] = {
    ("catalog.title", "mark_available"): Case(
        lambda: TitleFactory(status=TitleStatus.PROCESSING), "title_status"
    ),
    ("catalog.title", "mark_processing"): Case(lambda: TitleFactory(), "title_status"),
    ("catalog.title", "mark_repairing"): Case(lambda: TitleFactory(), "title_status"),
    ("catalog.title", "take_down"): Case(lambda: TitleFactory(), "title_takedown", REASON),
    ("catalog.mediafile", "mark_dead"): Case(_file, "media_file_status"),
    ("catalog.mediafile", "mark_active"): Case(lambda: _file(FileStatus.DEAD), "media_file_status"),
    ("accounts.user", "ban_users"): Case(_user, "user_ban"),
    ("accounts.user", "unban_users"): Case(lambda: _user(role=Role.BANNED), "user_unban"),
    ("accounts.user", "logout_everywhere"): Case(_user, "user_logout_everywhere", idempotent=False),
    ("accounts.user", "reset_device"): Case(
        lambda: _user(bound_device_hash="ab" * 32), "user_device_reset"
    ),
    ("accounts.user", "grant_premium"): Case(
        _user, "user_grant_premium", {"days": "5"}, idempotent=False
    ),
    ("jobs.job", "retry"): Case(lambda: _job(JobStatus.FAILED), "job_retry"),
    ("jobs.job", "cancel"): Case(lambda: _job(JobStatus.QUEUED), "job_cancel"),
    ("swarm.worker", "reset_errors"): Case(
        lambda: _worker(error_count=3, last_error="boom"), "worker_reset_errors"
    ),
    ("swarm.worker", "pause"): Case(_worker, "worker_pause"),
    ("swarm.worker", "resume"): Case(lambda: _worker(enabled=False), "worker_resume"),
    ("swarm.worker", "mark_dead"): Case(_worker, "worker_mark_dead"),
    ("swarm.worker", "revive"): Case(
        lambda: _worker(status=WorkerStatus.DEAD, error_count=11), "worker_revive"
    ),
    ("ingest.submission", "approve"): Case(
        lambda: Submission.objects.create(user=_user(), url="https://example.org/a.mkv"),
        "submission_approve",
    ),
    ("ingest.submission", "reject"): Case(
        lambda: Submission.objects.create(user=_user(), url="https://example.org/b.mkv"),
        "submission_reject",
        REASON,
    ),
    ("medic.report", "start_repair"): Case(
        lambda: report_on(_file()), "report_start_repair", also=("repair_open",)
    ),
    ("medic.report", "mark_fixed"): Case(lambda: report_on(_file()), "report_mark_fixed"),
    ("medic.report", "ignore"): Case(lambda: report_on(_file()), "report_ignore", REASON),
    ("medic.takedown", "restore"): Case(
        _taken_down, "title_restore", REASON, target=lambda takedown: takedown.title
    ),
    ("tenants.tenant", "suspend"): Case(
        lambda: Tenant.objects.create(name="Hub"), "tenant_suspend"
    ),
    ("tenants.tenant", "reinstate"): Case(
        lambda: Tenant.objects.create(name="Hub", status="suspended"), "tenant_reinstate"
    ),
    ("tenants.tenant", "record_payment"): Case(
        lambda: Tenant.objects.create(name="Hub", status="past_due"),
        "tenant_payment",
        {"apply": "1", "amount": "49.00", "method": "bank", "period_start": "2026-11-01"},
    ),
    ("tenants.tenant", "recompute_stats"): Case(
        lambda: Tenant.objects.create(name="Hub"), "tenant_stats_recompute", idempotent=False
    ),
    ("live.creator", "block"): Case(lambda: _creator(), "creator_block"),
    ("live.creator", "unblock"): Case(lambda: _creator(is_blocked=True), "creator_unblock"),
    ("live.creator", "soft_delete"): Case(lambda: _creator(), "creator_delete"),
    ("live.creator", "restore"): Case(lambda: _creator(is_deleted=True), "creator_restore"),
    ("live.creator", "reset_key"): Case(lambda: _creator(), "stream_key_reset", idempotent=False),
    ("live.stream", "end_stream"): Case(
        lambda: Stream.objects.create(
            creator=_creator(),
            title="On air",
            status=StreamStatus.LIVE,
            started_at=timezone.now(),
        ),
        "stream_end",
    ),
    ("community.comment", "approve"): Case(held_comment, "comment_approve"),
    ("community.comment", "remove"): Case(comment_on, "comment_remove"),
    **{
        ("community.comment", name): Case(
            comment_on, "comment_ban", idempotent=False, target=lambda c: c.user
        )
        for name in ("ban_author_day", "ban_author_week", "ban_author_month")
    },
    ("live.stream", "take_down"): Case(
        lambda: Stream.objects.create(creator=_creator(), title="Reported"), "stream_takedown"
    ),
    ("live.chatmessage", "delete_lines"): Case(
        lambda: ChatMessage.objects.create(
            stream=Stream.objects.create(creator=_creator(), title="Chatty"),
            user=_user(),
            message="spam",
        ),
        "chat_message_delete",
    ),
    ("studio.task", "retry"): Case(
        lambda: _studio_task(JobStatus.FAILED), "job_retry", target=lambda task: task.job
    ),
    ("studio.task", "cancel"): Case(
        lambda: _studio_task(JobStatus.QUEUED), "job_cancel", target=lambda task: task.job
    ),
    ("studio.prompttemplate", "deploy_latest_to_production"): Case(
        _prompt, "studio_prompt_label_move"
    ),
    ("studio.prompttemplate", "deploy_latest_to_staging"): Case(
        _prompt, "studio_prompt_label_move"
    ),
    ("studio.prompttemplate", "roll_back_production"): Case(
        lambda: _prompt(deployed=2), "studio_prompt_label_move"
    ),
    ("live.creator", "approve"): Case(lambda: _creator(), "creator_active"),
    ("live.creator", "reject"): Case(
        lambda: _creator(status="active"), "creator_rejected", extra={"reason": "spam"}
    ),
    ("live.streamreport", "uphold"): Case(
        lambda: _stream_report(), "stream_report_uphold", also=("stream_takedown",)
    ),
    ("live.streamreport", "dismiss"): Case(lambda: _stream_report(), "stream_report_dismiss"),
    ("otp_totp.totpdevice", "reset"): Case(
        lambda: TOTPDevice.objects.create(user=_user(), name="app", confirmed=True),
        "otp_reset",
        target=lambda device: device.user,
    ),
    ("live.chatban", "lift"): Case(
        lambda: ChatBan.objects.create(creator=_creator(), user=_user()), "chat_unban"
    ),
}


def _registered_actions() -> set[tuple[str, str]]:
    found = set()
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or []:
            name = action if isinstance(action, str) else action.__name__
            found.add((model._meta.label_lower, name))
    return found


def test_every_admin_action_is_audited_or_explained():
    unlisted = _registered_actions() - set(CASES) - set(NOT_MODERATION)
    assert not unlisted, f"admin actions with no audit case: {sorted(unlisted)}"


def _run(client, label: str, name: str, obj, extra: dict[str, Any]):
    app, model = label.split(".")
    url = reverse(f"admin:{app}_{model}_changelist")
    data = {"action": name, ACTION_CHECKBOX_NAME: [obj.pk], "index": "0", **extra}
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.content[:500]
    return response


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: f"{k[0]}:{k[1]}")
def test_the_action_writes_exactly_one_audit_row(key, client):
    label, name = key
    case = CASES[key]
    staff = StaffFactory()
    client.force_login(staff)
    obj = case.make()
    before = AuditEntry.objects.count()
    _run(client, label, name, obj, case.extra)
    rows = list(AuditEntry.objects.order_by("id")[before:])
    target = case.target(obj)
    on_obj = [
        (r.action, r.actor_id)
        for r in rows
        if (r.target_id, r.target_type.model_class()) == (str(target.pk), type(target))
    ]
    assert on_obj == [(case.action, staff.pk)], rows
    assert sorted(r.action for r in rows) == sorted([case.action, *case.also])
    if case.idempotent:
        _run(client, label, name, obj, case.extra)
        assert AuditEntry.objects.count() == before + len(rows), "a repeat wrote a row"


def test_title_edit_and_delete_in_the_admin_are_audited(client):
    staff = StaffFactory()
    client.force_login(staff)
    title = TitleFactory(title="Old Name", year=2001)
    url = reverse("admin:catalog_title_change", args=[title.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "genres"}
    data.update({"title": "New Name", "genres": [g.pk for g in title.genres.all()]})
    data.update(_empty_inlines(client.get(url)))
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    edit = AuditEntry.objects.get(action="title_edit")
    assert edit.before == {"title": "Old Name"} and edit.after == {"title": "New Name"}
    assert edit.actor == staff

    delete = reverse("admin:catalog_title_delete", args=[title.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Title.objects.filter(pk=title.pk).exists()
    assert AuditEntry.objects.filter(action="title_delete", actor=staff).count() == 1


def test_blocked_hash_add_and_remove_in_the_admin_are_audited(client):
    staff = StaffFactory()
    client.force_login(staff)
    add = reverse("admin:ingest_blockedhash_add")
    response = client.post(add, {"sha256": "ef" * 32, "reason": "court order", **_NO_ATTEMPTS})
    assert response.status_code == 302
    blocked = BlockedHash.objects.get()
    assert AuditEntry.objects.filter(action="blocked_hash_add", actor=staff).count() == 1
    delete = reverse("admin:ingest_blockedhash_delete", args=[blocked.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.filter(action="blocked_hash_remove", actor=staff).count() == 1


def test_a_status_action_cannot_unban_and_a_view_only_moderator_cannot_run_it(client):
    staff = StaffFactory()
    client.force_login(staff)
    taken = _taken_down().title
    _run(client, "catalog.title", "mark_available", taken, {})
    assert Title.objects.get(pk=taken.pk).status == TitleStatus.BANNED

    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    title = TitleFactory(status=TitleStatus.PROCESSING)
    response = client.post(
        reverse("admin:catalog_title_changelist"),
        {"action": "mark_available", ACTION_CHECKBOX_NAME: [title.pk], "index": "0"},
    )
    assert response.status_code in (200, 302, 403)
    assert Title.objects.get(pk=title.pk).status == TitleStatus.PROCESSING
    assert not AuditEntry.objects.filter(actor=moderator).exists()


_NO_ATTEMPTS = {
    "attempts-TOTAL_FORMS": "0",
    "attempts-INITIAL_FORMS": "0",
    "attempts-MIN_NUM_FORMS": "0",
    "attempts-MAX_NUM_FORMS": "0",
}


def _empty_inlines(response) -> dict[str, str]:
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(formset.formset.total_form_count())
        data[f"{prefix}-INITIAL_FORMS"] = str(formset.formset.initial_form_count())
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    return data


# --- who may run what ------------------------------------------------------------------------

EDITORS_MAY = {
    key
    for key in CASES
    if key[0] in ("catalog.title", "catalog.mediafile") and key[1] != "take_down"
}
MODERATORS_MAY = {key for key in CASES if key[0] in ("medic.report", "community.comment")} | {
    ("accounts.user", name) for name in ("ban_users", "unban_users", "logout_everywhere")
}
ROLES = ["superuser", "Editors", "Moderators", "plain staff"]


def _staff(role: str) -> User:
    if role == "superuser":
        return StaffFactory()
    user = UserFactory(is_staff=True)
    if role != "plain staff":
        user.groups.add(Group.objects.get(name=role))
    return user


def _may(role: str, key: tuple[str, str]) -> bool:
    return {
        "superuser": True,
        "Editors": key in EDITORS_MAY,
        "Moderators": key in MODERATORS_MAY,
        "plain staff": False,
    }[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: f"{k[0]}:{k[1]}")
def test_each_staff_group_runs_exactly_the_actions_it_is_allowed(key, role, client):
    label, name = key
    case = CASES[key]
    actor = _staff(role)
    client.force_login(actor)
    obj = case.make()
    before = AuditEntry.objects.count()
    app, model = label.split(".")
    data = {"action": name, ACTION_CHECKBOX_NAME: [obj.pk], "index": "0", **case.extra}
    response = client.post(reverse(f"admin:{app}_{model}_changelist"), data)
    assert response.status_code in (200, 302, 403)
    acted = AuditEntry.objects.filter(id__gt=0).count() > before
    assert acted is _may(role, key), f"{role} {'could' if acted else 'could not'} run {key}"
    if acted:
        assert AuditEntry.objects.order_by("-id").filter(actor=actor).exists()


@pytest.mark.parametrize("target", ["staff", "superuser"])
def test_a_moderator_cannot_touch_staff_accounts(target, client):
    moderator = _staff("Moderators")
    client.force_login(moderator)
    victim = StaffFactory() if target == "superuser" else UserFactory(is_staff=True)
    for name in ("ban_users", "logout_everywhere"):
        _run(client, "accounts.user", name, victim, {})
    victim.refresh_from_db()
    assert victim.role != Role.BANNED
    assert not AuditEntry.objects.filter(actor=moderator).exists()
