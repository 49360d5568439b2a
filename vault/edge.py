"""What nginx serves of the vault without Python (docs/edge.md).

**Streams.** When the stream door admits a local-vault file for a host, it links it in that
host's catalog-policy directory, ``EDGE_DIR/docs/<policy>/s/ab/cd/<hash>.<ext>`` (a symlink to
the object; ``EDGE_DIR/hosts/<host>`` points at the policy directory, and a suspended site's
host has no link); nginx checks the signed URL itself (``secure_link``, the same md5/expires as
``core.signing``) and sends the file linked for the request's host, ranges and all — no
Python per range. A site whose policy hides the title never gets the link: its requests go to
the door, which answers 404 (and 503 for a suspended site). A link exists only for a file the
door admitted from a fresh read of the database under the ``s`` lock; every change to a title
withdraws its files' links under the same lock (``titles_changed``), so a takedown or a dead
file falls through to the door again, which answers 404. The extension gives nginx the Content-Type.

**Subtitles and pages.** The app marks its 200 answers cacheable by nginx
(``X-Accel-Expires: EDGE_BYTES_SECONDS``; browsers still get the short, must-revalidate
``Cache-Control``); nginx keys them by path, checks the signature itself before a cache hit, and
every change to a title purges its subtitles and pages (``core.edge.edge_purge``). The cache key
is the host's policy directory and the path, so one site's answer is never another's.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.http.request import split_domain_port

from catalog.models import Chapter, ChapterPack, MediaFile, SeasonPack, SubtitleTrack
from core.edge import edge_dir, edge_lock, edge_purge, policy_roots, remove, symlink_atomic
from core.edge_feed import edge_active, edge_kind, edge_send
from core.signals import titles_changed

from .targets import CONTENT_TYPES, Target, _target_load

log = logging.getLogger(__name__)

EXTENSIONS = {mime: ext for ext, mime in CONTENT_TYPES.items()} | {"application/zip": "zip"}
# What nginx tries, in this order (deploy/nginx.conf.template lists the same).
LINK_EXTENSIONS = ("mp4", "mkv", "webm", "m4v", "mov", "avi", "ts", "zip", "bin")


def _lock_dir(root: Path) -> Path:
    return root / "s"


def host_links_dir(root: Path, host: str) -> Path | None:
    """Where nginx looks for the stream links of ``host`` (its policy directory's ``s``), or
    None when nginx serves nothing itself on that host (a suspended or unknown site)."""
    domain, _port = split_domain_port(host or "")
    linked = root / "hosts" / domain.lower() if domain else None
    if linked is None or not linked.is_dir():
        return None
    return Path(os.path.realpath(linked)) / "s"


def link_path(links: Path, file_hash: str, content_type: str) -> Path:
    ext = EXTENSIONS.get(content_type, "bin")
    ext = ext if ext in LINK_EXTENSIONS else "bin"
    return links / file_hash[:2] / file_hash[2:4] / f"{file_hash}.{ext}"


def stream_link_grant(
    file_hash: str,
    backend_name: str,
    backend: Any,
    *,
    host: str = "",
    outside_django: bool = False,
) -> Target | None:
    """For the door, with the edge on and a local-vault file it admitted for ``host``: read the
    file's row afresh under the lock (the door's own lookup may be seconds old) and link it for
    nginx in the host's policy directory. Returns the fresh target, or None when the file is no
    longer served (a takedown, a dead file): a withdrawal that ran meanwhile is neither undone
    nor outlived."""
    root = edge_dir()
    with edge_lock(_lock_dir(root), "s"):
        fresh = _target_load(file_hash, outside_django=outside_django)
        if fresh is None or fresh.backend != backend_name:
            return fresh  # gone, or moved to another backend (the door looks again)
        links = host_links_dir(root, host)
        source = backend.path(fresh.ref)
        if links is not None and source.exists():  # no bytes: the door says so
            symlink_atomic(source, link_path(links, file_hash, fresh.content_type))
    return fresh


def stream_links_withdraw(file_hashes: list[str]) -> int:
    """Remove these files' links from every policy directory."""
    root = edge_dir()
    if root is None or not file_hashes:
        return 0
    gone = 0
    with edge_lock(_lock_dir(root), "s"):
        for links in [Path(p) / "s" for p in policy_roots(root)]:
            for file_hash in file_hashes:
                folder = links / file_hash[:2] / file_hash[2:4]
                for ext in LINK_EXTENSIONS:
                    gone += remove(folder / f"{file_hash}.{ext}")
    return gone


def _titles_bytes(short_ids: list[str]) -> tuple[list[str], list[str]]:
    """The stream hashes (files, renditions, packs) and the cached paths (subtitles by index,
    pages) of these titles."""
    hashes: list[str] = []
    paths: list[str] = []
    files = MediaFile.objects.filter(title__short_id__in=short_ids).values_list(
        "pk", "file_hash", "playable_hash"
    )
    by_pk = {}
    for pk, file_hash, playable_hash in files:
        by_pk[pk] = file_hash
        hashes += [h for h in (file_hash, playable_hash) if h]
    hashes += SeasonPack.objects.filter(series__short_id__in=short_ids).values_list(
        "ref", flat=True
    )
    hashes += ChapterPack.objects.filter(manga__short_id__in=short_ids).values_list(
        "ref", flat=True
    )
    tracks = SubtitleTrack.objects.filter(media_file_id__in=by_pk).values_list(
        "media_file_id", "stream_index"
    )
    paths += [f"/api/subs/{by_pk[f]}/{index}.vtt" for f, index in tracks]
    chapters = Chapter.objects.filter(manga__short_id__in=short_ids).values_list("pk", "pages")
    for pk, pages in chapters:
        paths += [f"/api/read/{pk}/{page}" for page in range(1, len(pages or []) + 1)]
    return [h for h in hashes if h], paths


@edge_kind("titles_withdraw")
def titles_edge_withdraw(short_ids: list[str]) -> tuple[int, int]:
    """Withdraw these titles' stream links and purge their cached subtitles and pages; the
    next request goes to the app, which decides again."""
    if not short_ids or not settings.EDGE_DIR:
        return 0, 0
    hashes, paths = _titles_bytes(short_ids)
    return stream_links_withdraw(hashes), edge_purge(paths)


@edge_kind("withdraw")
def edge_withdraw(hashes: list[str], keys: list[str]) -> None:
    """Remove these files' links and these paths' cached answers."""
    stream_links_withdraw([h for h in hashes if h])
    edge_purge(keys)


def _after_commit(hashes: list[str], keys: list[str]) -> None:
    def withdraw() -> None:
        try:
            edge_send("withdraw", hashes=[h for h in hashes if h], keys=keys)
        except OSError:
            log.exception("edge withdrawal of deleted rows failed")

    if edge_active():
        transaction.on_commit(withdraw)


# Rows deleted outright (a file removed from its title, a title deleted, a pack rebuilt): the
# title's next ``titles_changed`` no longer lists them, so their links and cache entries go now.
@receiver(post_delete, sender=MediaFile, dispatch_uid="vault-edge-file-deleted")
def _file_deleted(sender: Any, instance: MediaFile, **kwargs: Any) -> None:
    _after_commit([instance.file_hash, instance.playable_hash], [])


@receiver(post_delete, sender=SeasonPack, dispatch_uid="vault-edge-season-pack-deleted")
@receiver(post_delete, sender=ChapterPack, dispatch_uid="vault-edge-chapter-pack-deleted")
def _pack_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _after_commit([instance.ref], [])


@receiver(post_delete, sender=SubtitleTrack, dispatch_uid="vault-edge-subtitle-deleted")
def _subtitle_deleted(sender: Any, instance: SubtitleTrack, **kwargs: Any) -> None:
    if not edge_active():
        return
    file_hash = (
        MediaFile.objects.filter(pk=instance.media_file_id)
        .values_list("file_hash", flat=True)
        .first()
    )
    if file_hash:
        _after_commit([], [f"/api/subs/{file_hash}/{instance.stream_index}.vtt"])


@receiver(post_delete, sender=Chapter, dispatch_uid="vault-edge-chapter-deleted")
def _chapter_deleted(sender: Any, instance: Chapter, **kwargs: Any) -> None:
    pages = len(instance.pages or [])
    _after_commit([], [f"/api/read/{instance.pk}/{n}" for n in range(1, pages + 1)])


@receiver(titles_changed, dispatch_uid="vault-edge-withdraw")
def _titles_changed(sender: Any, short_ids: list[str], **kwargs: Any) -> None:
    if not edge_active():
        return
    try:
        edge_send("titles_withdraw", short_ids=short_ids)
    except OSError:
        log.exception("edge withdrawal of %s failed", short_ids[:5])
