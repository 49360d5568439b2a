"""The takedown kill switch: a title goes dark everywhere at once, and only a superuser can
bring it back."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import services as catalog
from catalog.models import FileStatus, MediaFile, Title, TitleStatus
from catalog.stored import title_stored_objects
from core.alerts import alert_raise
from core.audit import audit_record
from core.models import AdminAlert
from core.queue import task_send
from ingest.models import Broadcast
from medic.models import OPEN_STATUSES, Repair, RepairStatus, Report, ReportStatus, Takedown
from medic.services.repair import repair_open
from swarm.storage.vault_entry import message_stored
from vault.targets import targets_forget as stream_targets_forget

from .. import integrations, purge
from .reports import report_transition

log = logging.getLogger(__name__)

CLI = "cli"  # the management command's actor: whoever has a shell on the server


def _may_take_down(actor: Any) -> bool:
    if actor == CLI:
        return True
    return bool(
        getattr(actor, "is_superuser", False)
        or (getattr(actor, "is_active", False) and actor.has_perm("medic.takedown_title"))
    )


def title_takedown(*, title: Title, actor: Any, reason: str) -> Takedown:
    """Ban the title: status banned (document rebuilt, caches purged), open reports and
    repairs closed, and after commit the nginx cache entry of every file purged and its
    stored bytes (the storage-channel messages) and its copies on the configured mirror hosts
    deleted. Mirrors on hosts that cannot delete are left for a human to file removals
    (``takedown_mirrors_by_hand``). Idempotent: a second call returns the same takedown."""
    if not _may_take_down(actor):
        raise PermissionDenied("Only a superuser or a user allowed to take titles down can.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "A takedown needs a reason."})
    with transaction.atomic():
        title = Title.objects.select_for_update().get(pk=title.pk)
        existing = Takedown.objects.filter(title=title).first()
        if existing is not None and existing.active and title.status == TitleStatus.BANNED:
            if takedown_incomplete(existing):  # its task was lost or failed: drive it again
                task_send("medic.tasks.takedown_execute", existing.pk)
            return existing
        files = list(
            MediaFile.objects.filter(title=title).prefetch_related("mirrors").order_by("id")
        )
        mirrors = [
            {"file_hash": f.file_hash, "host": m.host, "url": m.url}
            for f in files
            for m in f.mirrors.all()
        ]
        previous = title.status
        values = {
            "reason": reason[:500],
            "previous_status": previous,
            "requested_by": actor if hasattr(actor, "pk") else None,
            "file_hashes": [f.file_hash for f in files],
            "mirrors_to_remove": mirrors,
            "purge_results": {},
            "messages_results": {},
            "executed_at": None,
            "restored_at": None,
            "restored_by": None,
        }
        takedown, _ = Takedown.objects.update_or_create(title=title, defaults=values)
        catalog.title_set_status(title=title, status=TitleStatus.BANNED)
        cache.delete(catalog.title_cache_key(title.short_id))
        for report in Report.objects.filter(title=title, status__in=OPEN_STATUSES):
            report_transition(
                report=report,
                actor=actor,
                action="report_ignore",
                to=ReportStatus.IGNORED,
                allowed_from=OPEN_STATUSES,
                note=f"Title taken down: {reason}",
            )
        Repair.objects.filter(title=title, status=RepairStatus.OPEN).update(
            status=RepairStatus.FAILED, reason="title taken down", closed_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="title_takedown",
            target=title,
            before={"status": previous},
            after={"status": TitleStatus.BANNED, "files": len(files), "mirrors": len(mirrors)},
            reason=reason,
        )
        alert_raise(
            kind=AdminAlert.Kind.TAKEDOWN,
            message=f"Taken down: “{title.title}” ({title.short_id}) by "
            f"{getattr(actor, 'username', actor)}: {reason}",
            payload={"title": title.short_id, "takedown_id": takedown.pk},
        )
        takedown_id = takedown.pk
        task_send("medic.tasks.takedown_execute", takedown_id)
        # This process's /s/ lookups forget the title's files at once (other processes' within
        # VAULT_STREAM_LOOKUP_SECONDS; nginx's cache is purged by takedown_execute).
        served = (
            [f.file_hash for f in files]
            + [f.playable_hash for f in files if f.playable_hash]
            + [o.ref for o in title_stored_objects(title=title) if o.kind.endswith("_pack")]
        )
        transaction.on_commit(lambda: stream_targets_forget(served))
    return takedown


DONE = {"deleted", "absent", "purged", "not cached", "disabled", "kept", "by hand"}
MIRROR = "mirror:"  # messages_results key of a copy on a mirror host


def takedown_execute(*, takedown_id: int) -> Takedown | None:
    """The outside effects of a takedown (no transaction open: HTTP and Telegram calls).
    Re-running redoes only what failed before."""
    takedown = Takedown.objects.filter(pk=takedown_id, restored_at__isnull=True).first()
    if takedown is None:
        return None
    purged = dict(takedown.purge_results)
    messages = dict(takedown.messages_results)
    files = {
        f.file_hash: f
        for f in MediaFile.objects.filter(file_hash__in=takedown.file_hashes).only(
            "file_hash", "backend", "ref"
        )
    }
    for file_hash in takedown.file_hashes:
        if purged.get(file_hash) not in DONE:
            try:
                purged[file_hash] = purge.nginx_purge(file_hash=file_hash)
            except purge.PurgeError as exc:
                purged[file_hash] = f"error: {exc}"
        f = files.get(file_hash)
        messages[file_hash] = _delete_bytes(
            takedown_id, messages.get(file_hash), f.backend if f else "", f.ref if f else ""
        )
    # Everything else of the title in the vault: subtitles, screenshots, poster, backdrop,
    # chapters and packs (objects another live title shares are kept).
    title = Title.objects.get(pk=takedown.title_id)
    for obj in title_stored_objects(title=title):
        messages[obj.key] = _delete_bytes(takedown_id, messages.get(obj.key), obj.backend, obj.ref)
    # The release card in the public channel (a channel message, deleted like a stored one).
    card = Broadcast.objects.filter(title=title, message_id__isnull=False).first()
    if card is not None and card.chat_id:
        where = message_stored(chat_id=card.chat_id, message_id=card.message_id, size=0, tg_raw={})
        key = f"card:{where['ref']}"
        messages[key] = _delete_bytes(
            takedown_id, messages.get(key), where["backend"], where["ref"]
        )
    # Copies on mirror hosts, through each host's API where it can delete.
    for m in takedown.mirrors_to_remove:
        key = MIRROR + m["url"]
        messages[key] = _delete_mirror(messages.get(key), m["host"], m["url"])
    cache.delete(catalog.title_cache_key(title.short_id))
    Takedown.objects.filter(pk=takedown.pk).update(
        purge_results=purged, messages_results=messages, executed_at=timezone.now()
    )
    takedown.purge_results, takedown.messages_results = purged, messages
    return takedown


def _delete_bytes(takedown_id: int, previous: str | None, backend: str, ref: str) -> str:
    """One stored object's deletion, resumable: an outcome in DONE is kept; a backend that
    deletes in another process is polled ("pending:<task id>" until it answers)."""
    if previous in DONE:
        return previous
    if not settings.MEDIC_TAKEDOWN_DELETE_SOURCES:
        return "kept"
    if not ref:
        return "absent"
    previous = previous or ""
    queued = previous.startswith(integrations.PENDING)
    pending = previous[len(integrations.PENDING) :] if queued else ""
    try:
        return integrations.delete_source_bytes(backend=backend, ref=ref, pending=pending)
    except integrations.Unavailable as exc:
        return f"unavailable: {exc}"[:200]
    except Exception as exc:  # a Telegram/storage error: retried on the next run
        log.warning("takedown %s: deleting %s:%s failed: %s", takedown_id, backend, ref, exc)
        return f"error: {type(exc).__name__}"


def _delete_mirror(previous: str | None, host: str, url: str) -> str:
    if previous in DONE:
        return previous
    if not settings.MEDIC_TAKEDOWN_DELETE_SOURCES:
        return "kept"
    return integrations.mirror_remove(host=host, url=url)


def takedown_mirrors_by_hand(takedown: Takedown) -> list[dict[str, str]]:
    """The mirrors a human still has to have removed: those no host API deleted."""
    results = takedown.messages_results
    return [m for m in takedown.mirrors_to_remove if results.get(MIRROR + m["url"]) != "deleted"]


def takedown_run_again(*, takedown: Takedown) -> bool:
    """Send an unfinished takedown's outside effects again (the admin's "run again"; the
    moderation sweep does the same on its own). False: finished, or restored."""
    if takedown.restored_at is not None or not takedown_incomplete(takedown):
        return False
    task_send("medic.tasks.takedown_execute", takedown.pk)
    return True


def takedown_incomplete(takedown: Takedown) -> bool:
    results = list(takedown.purge_results.values()) + list(takedown.messages_results.values())
    return takedown.executed_at is None or any(r not in DONE for r in results)


def title_restore(*, title: Title, actor: Any, reason: str = "") -> bool:
    """Undo a takedown (superusers only). Files whose bytes the takedown deleted come back
    dead, and a repair re-leeches them from their backup URL. False when not taken down."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only a superuser can restore a taken-down title.")

    with transaction.atomic():
        title = Title.objects.select_for_update().get(pk=title.pk)
        takedown = Takedown.objects.filter(title=title, restored_at__isnull=True).first()
        if takedown is None:
            return False
        status = takedown.previous_status
        if status in ("", TitleStatus.BANNED):
            status = TitleStatus.AVAILABLE
        catalog.title_set_status(title=title, status=status)
        Takedown.objects.filter(pk=takedown.pk).update(
            restored_at=timezone.now(), restored_by=actor
        )
        gone = [h for h, r in takedown.messages_results.items() if r == "deleted"]
        for media_file in MediaFile.objects.filter(file_hash__in=gone):
            catalog.media_file_set_status(media_file=media_file, status=FileStatus.DEAD)
            repair_open(
                title=title,
                media_file=media_file,
                reason="restored after a takedown deleted its bytes",
                needs_new_bytes=True,
                actor=actor,
            )
        audit_record(
            actor=actor,
            action="title_restore",
            target=title,
            before={"status": TitleStatus.BANNED},
            after={"status": title.status},
            reason=reason,
        )
    return True
