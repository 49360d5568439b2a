"""Remove the job's work directory (downloads, WebVTT, screenshots). A local source lives
outside it and is kept."""

from __future__ import annotations

import shutil

from ingest.work import work_dir
from jobs.engine import JobContext


def run(ctx: JobContext) -> None:
    shutil.rmtree(work_dir(ctx.job.pk), ignore_errors=True)
