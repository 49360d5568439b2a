"""What an ingest of a local path returns."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from catalog.models import Chapter, MediaFile, Title


@dataclass(frozen=True)
class IngestResult:
    title: Title | None  # None: an archive none of whose episodes went in
    created: bool
    media_file: MediaFile | None = None
    chapter: Chapter | None = None
    # An archive of episodes: one line per member (name, status, season, episode, reason).
    pack: list[dict] | None = None


def pack_report_text(report: list[dict], *, limit: int = 20) -> str:
    """An archive's report in a few lines: the counts, then each episode and each miss."""
    order = ("ingested", "already in", "failed", "skipped")
    counts = {s: sum(1 for line in report if line["status"] == s) for s in order}
    head = "📦 Season pack: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    lines = [head]
    for line in sorted(report, key=lambda line: order.index(line["status"]))[:limit]:
        where = f"S{line['season']:02d}E{line['episode']:02d} " if line.get("episode") else ""
        why = f" — {line['reason']}" if line.get("reason") else ""
        lines.append(f"• {where}{line['status']}: {line['name']}{why}")
    if len(report) > limit:
        lines.append(f"… and {len(report) - limit} more")
    return "\n".join(lines)


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)
