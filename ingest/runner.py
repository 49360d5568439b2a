"""The one step runner of every ingest and repair job, and the steps they share.

A job is a list of ``(name, progress, fn)`` steps (``ingest.pipeline.STEPS``, a re-leech's, a
re-copy's…). ``steps_run`` runs those not yet recorded in ``steps_done`` — so a retry resumes
after the last finished one — each in its own step record; ``attach`` (the catalog write) in one
transaction with its record. Around the whole run the title documents are deferred: attach,
images and publish each change the title, and its document is rebuilt once, by the last step
(``documents``), from the final state — also when a step failed after the catalog changed, and
when a killed run resumes. A permanent failure leaves nothing to resume: the job's work
directory (a download, extracted files) goes with it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from catalog import services as catalog
from catalog.models import FileStatus, MediaFile, Title, TitleStatus
from ingest.blocked import file_sha256
from ingest.work import fetch, work_dir
from jobs.engine import JobContext, PermanentError, TransientError
from jobs.models import Job, JobStatus
from vault import BackendUnavailable, NotFound

Step = tuple[str, int, Callable[[JobContext], Any]]
OPEN = (JobStatus.QUEUED, JobStatus.RUNNING)
# The last step of every run: the documents of the titles the run changed, rebuilt once.
DOCUMENTS = "documents"


def steps_run(
    ctx: JobContext,
    steps: Iterable[Step],
    *,
    skip: Callable[[JobContext], Iterable[str]] | Iterable[str] = (),
) -> None:
    """Run the steps not yet recorded and not skipped (``skip``: names, or a function of the
    job's state asked before each step), then the ``documents`` step: the job's titles rebuilt
    once. A run that fails still rebuilds what it changed; a run that died (a killed worker)
    rebuilds when it resumes, since ``documents`` is recorded like any step."""
    failure: BaseException | None = None
    with catalog.documents_deferred() as pending:
        try:
            for name, progress, fn in steps:
                skipped = skip(ctx) if callable(skip) else skip
                if ctx.done(name) or name in set(skipped):
                    continue
                _step_run(ctx, name, progress, fn)
            if not ctx.done(DOCUMENTS):
                with ctx.step(DOCUMENTS, progress=100):
                    pending.update(_titles_of(ctx))
                    catalog.title_documents_rebuild(title_ids=pending)
                    pending.clear()
        except Exception as exc:  # re-raised below, once the documents are rebuilt
            failure = exc
    if failure is None:
        return
    if isinstance(failure, PermanentError):
        work_cleanup(ctx)
    raise failure


def _titles_of(ctx: JobContext) -> set[int]:
    """The title the job attached to or repaired (known from its state even after a restart)."""
    if ctx.state.get("title_id"):
        return {ctx.state["title_id"]}
    media_file_id = ctx.state.get("media_file_id") or ctx.payload.get("media_file_id")
    if media_file_id:
        return set(MediaFile.objects.filter(pk=media_file_id).values_list("title_id", flat=True))
    return set()


def _step_run(ctx: JobContext, name: str, progress: int, fn: Callable[[JobContext], Any]) -> None:
    try:
        with ctx.step(name, progress=progress, atomic=name == "attach"):
            fn(ctx)
    except (IntegrityError, ValidationError) as exc:
        if name != "attach":
            raise
        # A concurrent job on the same bytes or TMDB id won: the retry finds its rows.
        raise TransientError(f"attach conflicted: {exc}") from exc


def work_cleanup(ctx: JobContext) -> None:
    """The ``cleanup`` step: the job's work directory (downloads, WebVTT, screenshots). A local
    source lives outside it and is kept."""
    shutil.rmtree(work_dir(ctx.job.pk), ignore_errors=True)


# --- steps of the jobs that work on a file already in the catalog ---------------------------


def repair_file(ctx: JobContext) -> MediaFile | None:
    return (
        MediaFile.objects.select_related("title", "episode")
        .filter(pk=ctx.payload["media_file_id"])
        .first()
    )


def own_bytes_fetch(ctx: JobContext) -> None:
    """The ``fetch`` step of a job that works from a stored file's own bytes (re-extracting its
    subtitles, making its rendition): copied out of the vault into the job's work directory and
    checked against the file's SHA-256."""
    media_file = repair_file(ctx)
    if media_file is None:
        raise PermanentError("the media file was deleted while the job ran")
    dest = work_dir(ctx.job.pk) / "source"
    try:
        fetch(dest, backend=media_file.backend, ref=media_file.ref)
    except NotFound as exc:
        raise PermanentError(f"the file's own bytes are missing: {exc}") from exc
    except BackendUnavailable as exc:
        raise TransientError(f"the {media_file.backend} backend is not reachable: {exc}") from exc
    if file_sha256(dest) != media_file.file_hash:
        raise PermanentError("the stored bytes are not the file's (SHA-256 differs)")
    ctx.state["source_path"] = str(dest)
    ctx.state["sha256"] = media_file.file_hash
    ctx.state["backend"] = media_file.backend


def attach_target(ctx: JobContext) -> MediaFile:
    """The file, locked for the attach transaction (re-checked: it may have changed while the
    download ran)."""
    media_file = (
        MediaFile.objects.select_for_update(of=("self",))
        .select_related("title")
        .filter(pk=ctx.payload["media_file_id"])
        .first()
    )
    if media_file is None:
        raise PermanentError("the media file was deleted while the job ran")
    if media_file.title.status == TitleStatus.BANNED:
        raise PermanentError("the title was taken down while the job ran")
    return media_file


def repaired_publish(ctx: JobContext) -> None:
    media_file = MediaFile.objects.filter(pk=ctx.payload["media_file_id"]).first()
    if media_file is None:
        return
    title = Title.objects.get(pk=media_file.title_id)
    if (
        title.status == TitleStatus.REPAIRING
        and not MediaFile.objects.filter(title=title, status=FileStatus.DEAD).exists()
    ):
        catalog.title_set_status(title=title, status=TitleStatus.AVAILABLE)
    ctx.state["title_status"] = Title.objects.values_list("status", flat=True).get(pk=title.pk)


def locked_file(media_file_id: int) -> MediaFile:
    media_file = (
        MediaFile.objects.select_for_update(of=("self",))
        .select_related("title")
        .filter(pk=media_file_id)
        .first()
    )
    if media_file is None:
        raise ValidationError({"media_file_id": f"No media file {media_file_id}."})
    if media_file.title.status == TitleStatus.BANNED:
        raise ValidationError({"media_file_id": "The title was taken down; nothing is repaired."})
    return media_file


def open_job(kind: str, media_file_id: int) -> Job | None:
    return (
        Job.objects.filter(kind=kind, status__in=OPEN, payload__media_file_id=media_file_id)
        .order_by("id")
        .first()
    )
