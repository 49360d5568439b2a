"""Ingest's job handlers (discovered by ``jobs``): job kind → the step runner, and its queue."""

from __future__ import annotations

from ingest.broadcast import broadcast_run
from ingest.pipeline import ingest_run
from ingest.recopy import recopy_run
from ingest.renditions import rendition_run
from ingest.repair import releech_run
from ingest.submissions import notify_user_run
from ingest.subtitles import subtitles_rebuild_run
from ingest.wishlist import wishlist_notify_run
from jobs.engine import job_handler
from jobs.models import JobKind

# Downloads and ffmpeg go to "heavy"; anything that needs a Telegram account to "telegram".
job_handler(JobKind.INGEST_URL, queue="heavy")(ingest_run)
job_handler(JobKind.INGEST_LOCAL, queue="heavy")(ingest_run)
job_handler(JobKind.INGEST_FORWARD, queue="telegram")(ingest_run)
job_handler(JobKind.RELEECH, queue="heavy")(releech_run)
job_handler(JobKind.RECOPY, queue="telegram")(recopy_run)
job_handler(JobKind.SUBTITLES_REBUILD, queue="heavy")(subtitles_rebuild_run)
job_handler(JobKind.RENDITION, queue="heavy")(rendition_run)
job_handler(JobKind.BROADCAST, queue="telegram")(broadcast_run)
job_handler(JobKind.WISHLIST_NOTIFY, queue="telegram")(wishlist_notify_run)
job_handler(JobKind.NOTIFY_USER, queue="telegram")(notify_user_run)
