"""Ingest's job kinds (discovered by ``jobs``): kind → its label, queue and step runner."""

from __future__ import annotations

from ingest.broadcast import broadcast_run
from ingest.kinds import JobKind
from ingest.mirrors import mirror_delete_run
from ingest.packs_auto import pack_build_run
from ingest.pipeline import ingest_run
from ingest.recopy import recopy_run
from ingest.renditions import rendition_run
from ingest.repair import releech_run
from ingest.submissions import notify_user_run
from ingest.subtitles import subtitles_rebuild_run
from ingest.wishlist import wishlist_notify_run
from jobs.engine import job_handler

# Downloads and ffmpeg go to "heavy"; anything that needs a Telegram account to "telegram".
job_handler(JobKind.INGEST_URL, label="Ingest a URL", queue="heavy")(ingest_run)
job_handler(JobKind.INGEST_LOCAL, label="Ingest a file on this machine", queue="heavy")(ingest_run)
job_handler(JobKind.INGEST_FORWARD, label="Index a forwarded message", queue="telegram")(ingest_run)
job_handler(JobKind.RELEECH, label="Re-leech a file (repair)", queue="heavy")(releech_run)
job_handler(JobKind.RECOPY, label="Re-copy a file from its channel (repair)", queue="telegram")(
    recopy_run
)
job_handler(
    JobKind.SUBTITLES_REBUILD, label="Re-extract a file's WebVTT tracks (repair)", queue="heavy"
)(subtitles_rebuild_run)
job_handler(JobKind.RENDITION, label="Make a browser-playable copy of a file", queue="heavy")(
    rendition_run
)
job_handler(JobKind.PACK_BUILD, label="Build a download pack", queue="heavy")(pack_build_run)
job_handler(JobKind.MIRROR_DELETE, label="Delete a copy on a mirror host")(mirror_delete_run)
job_handler(JobKind.BROADCAST, label="Broadcast card", queue="telegram")(broadcast_run)
job_handler(JobKind.WISHLIST_NOTIFY, label="Wishlist notifications", queue="telegram")(
    wishlist_notify_run
)
job_handler(JobKind.NOTIFY_USER, label="Direct message", queue="telegram")(notify_user_run)
