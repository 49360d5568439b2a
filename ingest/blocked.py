"""Blocked hashes: SHA-256s that must never be stored again (takedowns, known-bad files). Every
source is hashed and checked before anything is stored; a hit drops the file, records the
attempt and alerts the admins."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.alerts import alert_raise
from core.audit import audit_record
from core.models import AdminAlert
from ingest.errors import BlockedFileError
from ingest.models import BlockedAttempt, BlockedHash
from vault import CHUNK


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@transaction.atomic
def blocked_hash_add(*, sha256: str, reason: str = "", actor: Any = None) -> BlockedHash:
    """Block a SHA-256 (idempotent: an existing block keeps its row; a new reason replaces the
    old one). Audited when something changed."""
    sha256 = sha256.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValidationError({"sha256": "A SHA-256 is 64 hexadecimal characters."})
    blocked = BlockedHash.objects.filter(sha256=sha256).first()
    if blocked is not None and blocked.reason == reason:
        return blocked
    before = {"reason": blocked.reason} if blocked is not None else {}
    blocked, _ = BlockedHash.objects.update_or_create(sha256=sha256, defaults={"reason": reason})
    audit_record(
        actor=actor,
        action="blocked_hash_add",
        target=blocked,
        before=before,
        after={"sha256": sha256, "reason": reason},
        reason=reason,
    )
    return blocked


@transaction.atomic
def blocked_hash_remove(*, blocked: BlockedHash, actor: Any, reason: str = "") -> bool:
    """Unblock a hash (its attempts go with it). Idempotent: False when already gone."""
    locked = BlockedHash.objects.select_for_update().filter(pk=blocked.pk).first()
    if locked is None:
        return False
    audit_record(
        actor=actor,
        action="blocked_hash_remove",
        target=locked,
        before={"sha256": locked.sha256, "reason": locked.reason},
        reason=reason,
    )
    locked.delete()
    return True


def blocked_hash_check(*, sha256: str, source: str, size_bytes: int = 0) -> None:
    """Raise BlockedFileError (after recording the attempt and alerting the admins) when the
    hash is blocked; return quietly otherwise."""
    blocked = BlockedHash.objects.filter(sha256=sha256).first()
    if blocked is None:
        return
    with transaction.atomic():
        BlockedAttempt.objects.create(blocked=blocked, source=source[:500], size_bytes=size_bytes)
        alert_raise(
            kind=AdminAlert.Kind.BLOCKED_HASH,
            message=f"Blocked file dropped at ingest: {Path(source).name} ({sha256[:16]}…)",
            payload={"sha256": sha256, "source": source, "reason": blocked.reason},
        )
    raise BlockedFileError(sha256, blocked.reason)
