"""The audit log: one row per moderation action, written in the action's transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import AuditEntry

SYSTEM = "system"


def actor_label(actor: Any) -> str:
    if actor is None:
        return SYSTEM
    if isinstance(actor, str):
        return actor
    return str(getattr(actor, "username", None) or actor)[:150]


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    """``actor`` is a user, None (the automatic loop) or a label such as "cli"."""
    user = actor if isinstance(actor, models.Model) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_repr=actor_label(actor),
        action=action,
        target_type=ContentType.objects.get_for_model(target),  # a lazy proxy works too
        target_id=str(target.pk),
        target_repr=str(target)[:300],
        before=before or {},
        after=after or {},
        reason=reason[:500],
    )
