"""Packs: one stored (not recompressed — video and images do not shrink) zip of a season's
episodes or of a manga's chapters, built from the vault objects and stored beside them."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from media.readers import RangeReader


@dataclass(frozen=True)
class PackMember:
    arcname: str
    backend: RangeReader
    ref: str


async def build_stored_zip(members: list[PackMember], out: str | Path) -> Path:
    """Copy each member into ``out`` in 1 MiB chunks (memory stays flat whatever the sizes);
    zip64 is forced so packs past 4 GiB stay valid."""
    out = Path(out)
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for member in members:
            if member.arcname in seen:
                raise ValueError(f"two pack members named {member.arcname!r}")
            seen.add(member.arcname)
            size = (await member.backend.stat(member.ref)).size
            info = zipfile.ZipInfo(member.arcname)
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = size
            with zf.open(info, "w", force_zip64=True) as dest:
                async for chunk in member.backend.open_range(member.ref, 0, size):
                    dest.write(chunk)
    return out
