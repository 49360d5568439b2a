"""Every catalog write, as typed keyword-only services. Each ends by refreshing the read model
of the titles it touched (``Title.document`` and ``Title.card``) and invalidating their cache
entries; inside ``documents_deferred()`` the refreshes are done once per title when the block
exits. Import from here: ``from catalog import services``."""

from __future__ import annotations

from .files import (
    embeds_set,
    link_set_status,
    media_file_add,
    media_file_location_set,
    media_file_playable_set,
    media_file_relocate,
    media_file_remove,
    media_file_replace,
    media_file_set_status,
    mirrors_set,
    screenshot_add,
    subtitle_tracks_set,
    subtitle_vtts_set,
)
from .moderation import (
    STAFF_STATUSES,
    media_file_status_change,
    title_copyright_hold_set,
    title_edit,
    title_remove,
    title_status_change,
)
from .readmodel import (
    cache_invalidate,
    documents_deferred,
    title_cache_key,
    title_document_rebuild,
    title_documents_rebuild,
    title_refresh,
)
from .series import (
    chapter_add,
    chapter_pack_set,
    chapter_remove,
    episode_add,
    episode_remove,
    episodes_part_of_set,
    pack_remove,
    season_pack_set,
)
from .titles import (
    TITLE_EDITABLE_FIELDS,
    title_create,
    title_delete,
    title_set_status,
    title_update,
)
from .votes import intro_pin, intro_vote_cast, intro_vote_withdraw

__all__ = [
    "STAFF_STATUSES",
    "TITLE_EDITABLE_FIELDS",
    "cache_invalidate",
    "chapter_add",
    "chapter_pack_set",
    "chapter_remove",
    "documents_deferred",
    "embeds_set",
    "episode_add",
    "episode_remove",
    "episodes_part_of_set",
    "intro_pin",
    "intro_vote_cast",
    "intro_vote_withdraw",
    "link_set_status",
    "media_file_add",
    "media_file_location_set",
    "media_file_playable_set",
    "media_file_relocate",
    "media_file_remove",
    "media_file_replace",
    "media_file_set_status",
    "media_file_status_change",
    "mirrors_set",
    "pack_remove",
    "screenshot_add",
    "season_pack_set",
    "subtitle_tracks_set",
    "subtitle_vtts_set",
    "title_cache_key",
    "title_copyright_hold_set",
    "title_create",
    "title_delete",
    "title_document_rebuild",
    "title_documents_rebuild",
    "title_edit",
    "title_refresh",
    "title_remove",
    "title_set_status",
    "title_status_change",
    "title_update",
]
