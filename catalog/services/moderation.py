"""What staff do to titles and files in the admin: each takes ``actor``, writes one audit row
(through ``core``) and is idempotent — nothing changes and nothing is recorded when the row is
already in the target state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record

from ..models import MediaFile, Title, TitleStatus
from .files import media_file_set_status
from .readmodel import cache_invalidate
from .titles import TITLE_EDITABLE_FIELDS, title_delete, title_set_status, title_update

# A takedown is undone only by the medic's restore (it also unblocks hashes and re-enables
# mirrors): a plain status change must never un-ban a title.
STAFF_STATUSES = {TitleStatus.AVAILABLE, TitleStatus.PROCESSING, TitleStatus.REPAIRING}


@transaction.atomic
def title_status_change(*, title: Title, status: str, actor: Any, reason: str = "") -> bool:
    """Set a title's status from the admin. A banned title, or a target of ``banned``, is
    refused (that is the takedown's and the restore's job)."""
    if status not in STAFF_STATUSES:
        raise ValidationError({"status": f"{status!r} is not a status staff can set here."})
    locked = Title.objects.select_for_update().get(pk=title.pk)
    if locked.status == TitleStatus.BANNED:
        raise ValidationError({"status": f"{locked} was taken down; restore it instead."})
    before = locked.status
    if not title_set_status(title=locked, status=status):
        return False
    audit_record(
        actor=actor,
        action="title_status",
        target=locked,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )
    title.status = status
    return True


@transaction.atomic
def title_edit(*, title: Title, data: dict[str, Any], actor: Any) -> bool:
    """Save an editor's changes to a title (any of ``TITLE_EDITABLE_FIELDS``); the audit row
    lists the fields that changed, before and after. False when nothing changed."""
    stored = Title.objects.select_for_update().get(pk=title.pk)
    if data.get("rating") is not None:  # 8.1 from a source is the stored Decimal("8.1")
        data = {**data, "rating": Decimal(str(round(float(data["rating"]), 1)))}
    changed = {
        name: value
        for name, value in data.items()
        if name in TITLE_EDITABLE_FIELDS and getattr(stored, name) != value
    }
    title_update(title=title, data=data)
    if not changed:
        return False
    audit_record(
        actor=actor,
        action="title_edit",
        target=title,
        before={k: _json(getattr(stored, k)) for k in changed},
        after={k: _json(v) for k, v in changed.items()},
    )
    return True


@transaction.atomic
def title_remove(*, title: Title, actor: Any) -> None:
    """Delete a title from the admin (its files, episodes and chapters go with it)."""
    audit_record(
        actor=actor,
        action="title_delete",
        target=title,
        before={"title": title.title, "status": title.status, "short_id": title.short_id},
    )
    title_delete(title=title)


@transaction.atomic
def media_file_status_change(*, media_file: MediaFile, status: str, actor: Any) -> bool:
    before = MediaFile.objects.filter(pk=media_file.pk).values_list("status", flat=True).first()
    if not media_file_set_status(media_file=media_file, status=status):
        return False
    audit_record(
        actor=actor,
        action="media_file_status",
        target=media_file,
        before={"status": before},
        after={"status": status},
    )
    return True


def _json(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def title_copyright_hold_set(*, title_id: int, held: bool) -> bool:
    """Mark whether a copyright complaint is open on the title (sites with the DMCA shield
    hide it at once). The cached document's facts go with it; the document itself does not
    change. Idempotent: False when it already was so."""
    changed = (
        Title.objects.filter(pk=title_id).exclude(copyright_hold=held).update(copyright_hold=held)
    )
    if changed:
        short_id = Title.objects.filter(pk=title_id).values_list("short_id", flat=True).first()
        if short_id:
            cache_invalidate([short_id])
    return bool(changed)
