"""Ingest's errors."""

from __future__ import annotations


class IngestError(Exception):
    """The file cannot be ingested; the message says why (ffprobe's reason, a bad archive …)."""


class BlockedFileError(IngestError):
    def __init__(self, sha256: str, reason: str) -> None:
        super().__init__(f"file {sha256[:16]}… is blocked: {reason or 'no reason given'}")
        self.sha256 = sha256
        self.reason = reason
