"""Blocked-hash lists: many SHA-256s at once, from a file a partner or a previous takedown
keeps — plain text (one hash per line, ``#`` comments) or CSV (``sha256[,reason]``, with or
without a header). Importing is idempotent (a hash already blocked with the same reason and
source is left as it is), all or nothing, and one audit row says what the import did; the
lines that are not a hash are reported by number, and nothing of a list with none good is
written. Every file is checked against the list before it is stored (``ingest.blocked``)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from core.audit import audit_record
from ingest.models import BlockedHash

SHA256 = re.compile(r"[0-9a-fA-F]{64}")
MAX_LINES = 1_000_000
MAX_REASON = 300
MAX_SOURCE = 200


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line number, what it said)

    def words(self) -> str:
        said = f"{self.added} added, {self.updated} updated, {self.unchanged} already blocked"
        if self.bad:
            lines = ", ".join(str(n) for n, _ in self.bad[:10])
            more = "…" if len(self.bad) > 10 else ""
            said += f"; {len(self.bad)} lines are not a SHA-256 (line {lines}{more})"
        return said


def _rows(text: str) -> list[tuple[int, str, str]]:
    """(line number, hash as written, reason) per line that says something."""
    rows = []
    for number, parts in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number > MAX_LINES:
            break
        cells = [p.strip() for p in parts]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() in ("sha256", "hash", "sha-256"):
            continue  # a header
        rows.append((number, cells[0], cells[1] if len(cells) > 1 else ""))
    return rows


def blocked_list_import(*, text: str, source: str, reason: str = "", actor: Any) -> ImportReport:
    """Block every SHA-256 of ``text``. A line's own reason (CSV's second column) wins over
    ``reason``. Raises ValueError when no line is a SHA-256 (nothing is written then)."""
    source = source.strip()[:MAX_SOURCE]
    report = ImportReport()
    wanted: dict[str, str] = {}
    for number, value, own in _rows(text):
        if not SHA256.fullmatch(value):
            report.bad.append((number, value[:80]))
            continue
        wanted[value.lower()] = (own or reason).strip()[:MAX_REASON]
    if not wanted:
        raise ValueError("No line of the list is a SHA-256 (64 hexadecimal characters).")
    with transaction.atomic():
        known = {
            b.sha256: b
            for b in BlockedHash.objects.select_for_update().filter(sha256__in=list(wanted))
        }
        fresh = [
            BlockedHash(sha256=sha, reason=why, source=source)
            for sha, why in wanted.items()
            if sha not in known
        ]
        BlockedHash.objects.bulk_create(fresh, batch_size=5000, ignore_conflicts=True)
        changed = []
        for sha, row in known.items():
            if (row.reason, row.source) == (wanted[sha], source):
                continue
            row.reason, row.source = wanted[sha], source
            changed.append(row)
        BlockedHash.objects.bulk_update(changed, ["reason", "source"], batch_size=5000)
        report.added, report.updated = len(fresh), len(changed)
        report.unchanged = len(known) - len(changed)
        if fresh or changed:
            # One row for the import (a list may hold a million hashes), on its first hash.
            first = BlockedHash.objects.get(sha256=(fresh or changed)[0].sha256)
            audit_record(
                actor=actor,
                action="blocked_list_import",
                target=first,
                after={
                    "source": source,
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "bad_lines": len(report.bad),
                },
                reason=reason,
            )
    return report
