"""A minimal RAR 4.x writer for tests: no free tool here writes RAR, so this one stores its
members uncompressed (method 0x30, "store") in the format RARLAB's technote describes — a
marker block, a main archive header, one file header and its data per member, and the end
block — which is enough for any RAR reader (libarchive here) to unpack."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

MARKER = b"Rar!\x1a\x07\x00"
DOS_TIME_2020 = ((2020 - 1980) << 25) | (1 << 21) | (1 << 16)  # 2020-01-01 00:00:00


def _block(head_type: int, flags: int, body: bytes) -> bytes:
    """HEAD_CRC (the low 16 bits of the CRC32 of everything after it), HEAD_TYPE, HEAD_FLAGS,
    HEAD_SIZE, then the rest of the header."""
    rest = struct.pack("<BHH", head_type, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(rest) & 0xFFFF) + rest


def write_rar(path: Path, members: dict[str, bytes]) -> Path:
    out = [MARKER, _block(0x73, 0, struct.pack("<HI", 0, 0))]
    for name, data in members.items():
        encoded = name.replace("/", "\\").encode()
        body = struct.pack(
            "<IIBIIBBHI",
            len(data),  # PACK_SIZE
            len(data),  # UNP_SIZE
            3,  # HOST_OS: Unix
            zlib.crc32(data),  # FILE_CRC
            DOS_TIME_2020,  # FTIME
            20,  # UNP_VER 2.0
            0x30,  # METHOD: store
            len(encoded),  # NAME_SIZE
            0o100644 | 0,  # ATTR
        )
        out += [_block(0x74, 0x8000, body + encoded), data]
    out.append(_block(0x7B, 0x4000, b""))
    path.write_bytes(b"".join(out))
    return path
