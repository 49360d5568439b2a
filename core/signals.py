"""Signals other apps listen to without core importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after commit with ``alert=<AdminAlert>`` whenever an admin alert is raised
# (``core.alerts.alert_raise``). The swarm's receiver (``swarm.jobs``) queues the post to the
# admin_alerts channel.
admin_alert = Signal()

# Sent when a stored object a row points at is not in its backend: a file's bytes
# (``file_hash``, ``backend``, ``ref``), a chapter's archive (``chapter_id``) or a subtitle's
# WebVTT (``subtitle_track_id``). The medic opens a repair (``medic.receivers``).
vault_object_missing = Signal()

# Sent after commit with ``title_id`` when a title becomes available (created available, or its
# status changed to available — by an ingest, an admin or a restore): the wishlist notifier
# (``ingest.receivers``) tells whoever asked for it.
title_published = Signal()

# Sent with ``media_file_id`` when a file's browser-playable rendition is gone from the vault
# (``vault.targets``): ingest queues it again (``ingest.receivers``).
rendition_missing = Signal()

# Sent after commit with ``short_ids`` whenever titles' read model changed (``catalog``'s
# ``cache_invalidate``: a rebuild, a takedown, a copyright hold, a deletion). The edge's other
# keepers listen: ``vault.edge`` withdraws the titles' stream links and purges their cached
# subtitles and pages from nginx.
titles_changed = Signal()

# Sent after commit with ``title_id`` and ``season`` (None for a manga) whenever what a download
# pack holds may have changed: an episode's file added, replaced, removed or its status changed,
# an episode or a chapter added or removed. Ingest (``ingest.receivers``) rebuilds the pack.
pack_contents_changed = Signal()
