"""Archives of releases (a season in a .zip, .7z or .rar): what they hold, and the video files
copied out of them. Read with libarchive (``libarchive-c``), which reads all three offline; a
member is written under its base name only, so no name in an archive reaches outside the
directory it is unpacked into."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import libarchive
from libarchive.exception import ArchiveError as LibarchiveError

ARCHIVE_SUFFIXES = {".zip", ".7z", ".rar"}
VIDEO_SUFFIXES = {".mkv", ".mp4", ".m4v", ".avi", ".webm", ".mov", ".ts", ".wmv", ".mpg"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"}
# Zip, 7z and RAR (4 and 5) signatures: an archive is known by its bytes, not only its name.
MAGIC = (b"PK\x03\x04", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07")
SAMPLE = re.compile(r"(^|[\W_])sample([\W_]|$)", re.IGNORECASE)


class ArchiveError(Exception):
    """Not an archive we can read, or one that breaks while it is read."""


@dataclass(frozen=True)
class Member:
    name: str  # its path inside the archive
    size: int

    @property
    def base(self) -> str:
        return PurePosixPath(self.name.replace("\\", "/")).name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.base).suffix.lower()


def is_archive(path: Path) -> bool:
    """A zip, 7z or RAR archive by its first bytes (whatever its name says)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head.startswith(MAGIC)


def archive_members(path: Path) -> list[Member]:
    """The files an archive holds (folders left out), in its order."""
    try:
        with libarchive.file_reader(str(path)) as archive:
            return [
                Member(entry.pathname, entry.size or 0)
                for entry in archive
                if entry.isfile and entry.pathname
            ]
    except LibarchiveError as exc:
        raise ArchiveError(f"{path.name} cannot be read as an archive: {exc}") from exc


def video_members(members: list[Member]) -> list[Member]:
    """The video files worth ingesting: no samples, no hidden files."""
    return [
        m
        for m in members
        if m.suffix in VIDEO_SUFFIXES and not m.base.startswith(".") and not SAMPLE.search(m.base)
    ]


def image_members(members: list[Member]) -> list[Member]:
    return [m for m in members if m.suffix in IMAGE_SUFFIXES]


def archive_extract(path: Path, members: list[Member], dest: Path) -> dict[str, Path]:
    """Copy ``members`` out of the archive into ``dest`` (each under its base name; two of the
    same base name get a numbered prefix). Returns member name → the file written."""
    wanted = {m.name for m in members}
    dest.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    used: set[str] = set()
    try:
        with libarchive.file_reader(str(path)) as archive:
            for entry in archive:
                if entry.pathname not in wanted or entry.pathname in written:
                    continue
                base = Member(entry.pathname, 0).base
                name = base if base not in used else f"{len(used)}-{base}"
                used.add(name)
                out = dest / name
                with open(out, "wb") as f:
                    for block in entry.get_blocks():
                        f.write(block)
                written[entry.pathname] = out
    except LibarchiveError as exc:
        raise ArchiveError(f"{path.name} broke while it was unpacked: {exc}") from exc
    return written
