"""What an ingest of a local path returns."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from catalog.models import Chapter, MediaFile, Title


@dataclass(frozen=True)
class IngestResult:
    title: Title
    created: bool
    media_file: MediaFile | None = None
    chapter: Chapter | None = None


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)
