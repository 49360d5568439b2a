"""The job kinds the ingest owns (registered with their labels and queues in ``ingest.jobs``)."""

from __future__ import annotations

from enum import StrEnum


class JobKind(StrEnum):
    INGEST_URL = "ingest_url"
    INGEST_FORWARD = "ingest_forward"
    INGEST_LOCAL = "ingest_local"
    BROADCAST = "broadcast"
    WISHLIST_NOTIFY = "wishlist_notify"
    NOTIFY_USER = "notify_user"
    RELEECH = "releech"
    RECOPY = "recopy"
    SUBTITLES_REBUILD = "subtitles_rebuild"
    RENDITION = "rendition"
    PACK_BUILD = "pack_build"
    MIRROR_DELETE = "mirror_delete"
