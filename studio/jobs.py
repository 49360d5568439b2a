"""The studio's job kinds: ``studio_task`` (one generation task: claimed in priority order on
the ``studio`` queue, run by its type's generator), ``studio_publish`` (an episode into the
catalog) and ``studio_purge`` (vault objects of deleted media)."""

from __future__ import annotations

import shutil
import time
from typing import Any

from asgiref.sync import async_to_sync
from django.db import transaction

from core.refs import split_tagged
from ingest.errors import IngestError
from ingest.work import work_dir
from jobs.engine import JobContext, PermanentError, TransientError, job_handler
from vault import BackendUnavailable, NotFound, get_backend

from .generators import generator_for
from .models import Media, Task
from .providers.fal import cancel_open
from .services.costs import GATE
from .services.fal import CANCEL as FAL_CANCEL
from .services.publishing import KIND as PUBLISH
from .services.publishing import episode_publish_run


@job_handler("studio_task", label="Studio task", queue="studio")
def studio_task(ctx: JobContext) -> dict[str, Any]:
    task = Task.objects.select_related("project").filter(pk=ctx.payload.get("task")).first()
    if task is None:
        raise PermanentError("the task was deleted")
    generate = generator_for(task.task_type, str(task.parameters.get("generator") or ""))
    began = time.monotonic()
    output = generate(ctx, task)
    ctx.check()
    with transaction.atomic():
        Task.objects.filter(pk=task.pk).update(
            output_media=output.media,
            result=output.result,
            cost=output.cost,
            tokens_used=output.tokens_used,
            processing_time=round(time.monotonic() - began, 3),
        )
    return {"media": output.media.pk if output.media else None}


@job_handler(PUBLISH, label="Studio: publish an episode to the catalog", queue="heavy")
def studio_publish(ctx: JobContext) -> dict[str, Any]:
    work = work_dir(ctx.job.pk)
    work.mkdir(parents=True, exist_ok=True)
    try:
        return episode_publish_run(episode_id=ctx.payload["episode"], work=work)
    except IngestError as exc:
        raise PermanentError(f"the catalog refused the episode: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


@job_handler(GATE, label="Studio: budget gate (opens on top up and continue)")
def studio_budget_gate(ctx: JobContext) -> dict[str, Any]:
    # Never claimed: it waits until ``services.costs.budget_continue`` marks it done.
    raise PermanentError("a budget gate opens by top up and continue, not by running")


@job_handler(FAL_CANCEL, label="Studio: cancel requests at fal")
def studio_fal_cancel(ctx: JobContext) -> dict[str, Any]:
    return {"cancelled": cancel_open(request_ids=ctx.payload.get("requests", []))}


@job_handler("studio_purge", label="Studio: remove vault objects")
def studio_purge(ctx: JobContext) -> dict[str, Any]:
    removed = 0
    for ref in ctx.payload.get("refs", []):
        if (
            Media.objects.filter(ref=ref).exists()
            or Media.objects.filter(thumbnail_ref=ref).exists()
        ):
            continue  # used again since
        source = split_tagged(ref)
        if source is None:
            continue
        backend, key = source
        try:
            removed += bool(async_to_sync(get_backend(backend).delete)(key))
        except NotFound:
            continue
        except BackendUnavailable as exc:
            raise TransientError(f"{backend} unavailable: {exc}") from exc
    return {"removed": removed}
