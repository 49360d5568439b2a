"""The one step runner of ingests and repairs: documents rebuilt once per run, also when a step
fails after the catalog changed and when a killed run resumes."""

from __future__ import annotations

import pytest

from catalog import services as catalog
from ingest.runner import DOCUMENTS, steps_run
from jobs.engine import JobContext, PermanentError
from jobs.models import Job, JobStatus
from tests.factories import TitleFactory

pytestmark = pytest.mark.django_db


def _ctx(**fields) -> JobContext:
    job = Job.objects.create(
        kind="test_steps", payload={}, run_token="run", status=JobStatus.RUNNING, **fields
    )
    return JobContext(job, "run")


def _renamer(title, name):
    def step(ctx: JobContext) -> None:
        catalog.title_update(title=title, data={"title": name})
        ctx.state["title_id"] = title.pk

    return step


def test_three_catalog_writes_one_rebuild_from_the_final_state(documents_built):
    title = TitleFactory()
    documents_built.clear()
    ctx = _ctx()
    steps = [("attach", 90, _renamer(title, "One")), ("publish", 95, _renamer(title, "Two"))]

    steps_run(ctx, steps)

    assert documents_built == [title.pk]
    title.refresh_from_db()
    assert title.document["title"] == "Two"
    assert ctx.job.steps_done == ["attach", "publish", DOCUMENTS]


def test_a_step_failing_after_the_catalog_changed_still_rebuilds(documents_built):
    title = TitleFactory()
    documents_built.clear()

    def boom(ctx):
        raise PermanentError("no")

    with pytest.raises(PermanentError):
        steps_run(_ctx(), [("attach", 90, _renamer(title, "Changed")), ("images", 93, boom)])

    assert documents_built == [title.pk]
    title.refresh_from_db()
    assert title.document["title"] == "Changed"


def test_a_run_killed_before_its_documents_step_rebuilds_when_it_resumes(documents_built):
    title = TitleFactory()
    # The catalog changed and the step was recorded, then the worker died.
    Title = type(title)
    Title.objects.filter(pk=title.pk).update(title="Renamed behind the read model")
    documents_built.clear()
    ctx = _ctx(steps_done=["attach"], state={"title_id": title.pk})

    steps_run(ctx, [("attach", 90, _renamer(title, "never run"))])

    assert documents_built == [title.pk]
    title.refresh_from_db()
    assert title.document["title"] == "Renamed behind the read model"
