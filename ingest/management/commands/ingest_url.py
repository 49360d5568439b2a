"""``python manage.py ingest_url URL [--title-hint T] [--wait]``: queue a URL leech job (and
with --wait, follow its progress to the end)."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from ingest.pipeline import ingest_url_create
from jobs.models import Job, JobStatus

FINAL = {JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED}


class Command(BaseCommand):
    help = "Queue the ingest of a video URL (leech → probe → TMDB → title)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("url")
        parser.add_argument("--title-hint", default="", help="The title, if the name is junk")
        parser.add_argument("--wait", action="store_true", help="Follow the job to its end")
        parser.add_argument("--timeout", type=float, default=3600.0)

    def handle(self, *args, url: str, title_hint: str, wait: bool, timeout: float, **opts):
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise CommandError(f"not an http(s) URL: {url}") from exc
        job = ingest_url_create(url=url, title_hint=title_hint)
        self.stdout.write(f"job {job.pk} queued")
        if not wait:
            return
        deadline = time.monotonic() + timeout
        last = None
        while True:
            job = Job.objects.get(pk=job.pk)
            line = f"job {job.pk}: {job.status} {job.progress}% {job.current_step}".rstrip()
            if line != last:
                self.stdout.write(line)
                last = line
            if job.status in FINAL:
                break
            if time.monotonic() > deadline:
                raise CommandError(f"job {job.pk} still {job.status} after {timeout:.0f}s")
            time.sleep(1)
        if job.status != JobStatus.DONE:
            raise CommandError(f"job {job.pk} {job.status}: {job.last_error}")
        result = job.state.get("result", {})
        self.stdout.write(self.style.SUCCESS(f"job {job.pk} done: {result}"))
