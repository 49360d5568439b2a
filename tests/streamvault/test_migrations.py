"""A database made by the layout before the restructure (everything in swarm/, the audit log in
medic/) migrates forward to today's layout with its rows, their relations, their permissions and
their audit trail intact — the moves are state-only, no data is copied."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import PeriodicTask

from core.beat import beat_sync
from core.models import AdminAlert, AuditEntry
from ingest.models import BlockedAttempt, BlockedHash, Broadcast, Submission
from jobs.models import Job
from tests.factories import TitleFactory, UserFactory

# The heads of the layout before the restructure.
OLD_HEADS = [
    ("swarm", "0004_job_kind_repair"),
    ("medic", "0002_beat_schedule"),
    ("catalog", "0005_image_ref_indexes"),
    ("core", None),
    ("jobs", None),
    ("ingest", None),
]
MOVED = {
    ("swarm", "job"): "jobs",
    ("swarm", "adminalert"): "core",
    ("swarm", "blockedhash"): "ingest",
    ("swarm", "blockedattempt"): "ingest",
    ("swarm", "submission"): "ingest",
    ("swarm", "broadcast"): "ingest",
    ("medic", "auditentry"): "core",
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_an_old_database_migrates_forward_with_its_rows():
    user = UserFactory()
    title = TitleFactory(title="Kept Across Moves")

    executor = _migrate(OLD_HEADS)
    old = executor.loader.project_state([t for t in OLD_HEADS if t[1]]).apps
    # Migrating back re-labelled the content types as the old code had them (and their
    # permissions with them); a group is granted one, as an admin would have.
    for (app, model), new_app in MOVED.items():
        assert ContentType.objects.filter(app_label=app, model=model).exists()
        assert not ContentType.objects.filter(app_label=new_app, model=model).exists()
    old_job_type = ContentType.objects.get(app_label="swarm", model="job")
    view_job, _ = Permission.objects.get_or_create(
        content_type=old_job_type, codename="view_job", defaults={"name": "Can view job"}
    )
    auditors = Group.objects.create(name="Job watchers")
    auditors.permissions.add(view_job)

    job = old.get_model("swarm", "Job").objects.create(
        kind="ingest_url", payload={"url": "http://x/y.mkv"}, state={"sha256": "ab" * 32}
    )
    alert = old.get_model("swarm", "AdminAlert").objects.create(kind="other", message="hello")
    blocked = old.get_model("swarm", "BlockedHash").objects.create(sha256="cd" * 32, reason="dmca")
    old.get_model("swarm", "BlockedAttempt").objects.create(blocked=blocked, source="a.mkv")
    submission = old.get_model("swarm", "Submission").objects.create(
        user_id=user.pk, url="https://example.org/a.mkv", job=job
    )
    old.get_model("swarm", "Broadcast").objects.create(title_id=title.pk, message_id=42)
    audit = old.get_model("medic", "AuditEntry").objects.create(
        actor_id=user.pk,
        actor_repr="mod",
        action="job_cancel",
        target_type_id=old_job_type.pk,
        target_id=str(job.pk),
        target_repr="job",
    )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert Job.objects.get(pk=job.pk).payload == {"url": "http://x/y.mkv"}
    assert AdminAlert.objects.get(pk=alert.pk).message == "hello"
    moved_block = BlockedHash.objects.get(pk=blocked.pk)
    assert moved_block.reason == "dmca"
    assert BlockedAttempt.objects.get(blocked=moved_block).source == "a.mkv"
    assert Submission.objects.get(pk=submission.pk).job_id == job.pk
    assert Broadcast.objects.get(title=title).message_id == 42
    entry = AuditEntry.objects.get(pk=audit.pk)
    # The audit row's target now resolves through the moved model's content type.
    assert entry.target_type == ContentType.objects.get_for_model(Job)
    assert (entry.target_type.app_label, entry.target_type.model) == ("jobs", "job")
    assert not ContentType.objects.filter(app_label="swarm", model="job").exists()
    assert auditors.permissions.get().content_type.app_label == "jobs"
    # The periodic tasks (made after every migrate, as `migrate` does): the job sweep has its
    # own row, the swarm's kept its own work.
    beat_sync()
    assert PeriodicTask.objects.filter(task="jobs.tasks.requeue_stale_jobs").exists()
    assert not PeriodicTask.objects.filter(task="swarm.tasks.requeue_stale_jobs").exists()
