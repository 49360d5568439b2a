"""``manage.py renditions_make`` — queue a browser-playable rendition for every stored file that
needs one and has none (files stored before renditions existed, or whose rendition was lost)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ingest.renditions import renditions_missing, renditions_queue


class Command(BaseCommand):
    help = "Queue the renditions browsers need (rendition jobs on the heavy queue)."

    def handle(self, *args, **opts) -> None:
        missing = renditions_missing()
        queued = renditions_queue(media_file_ids=missing)
        self.stdout.write(f"{len(missing)} file(s) without a rendition; {queued} job(s) queued.")
