"""A minimal valid PGS (Blu-ray image subtitle, ``.sup``) stream: ffmpeg cannot render text to a
bitmap subtitle track, so the demo library and the tests write the segments themselves (one
64x16 white box per cue)."""

from __future__ import annotations

import struct


def _segment(pts: int, kind: int, payload: bytes) -> bytes:
    return b"PG" + struct.pack(">IIBH", pts, 0, kind, len(payload)) + payload


def pgs_subtitles(cues: list[tuple[float, float]], *, width: int = 320, height: int = 240) -> bytes:
    """One box per ``(start, end)`` cue (seconds), for a video of ``width`` x ``height``."""
    w, h, x, y = 64, 16, min(100, width - 64), min(200, height - 16)
    out = b""
    for n, (start, end) in enumerate(cues):
        p1, p2 = int(start * 90000), int(end * 90000)
        pcs = struct.pack(">HHBHBBBB", width, height, 0x10, 2 * n, 0x80, 0, 0, 1)
        pcs += struct.pack(">HBBHH", 0, 0, 0, x, y)
        wds = struct.pack(">B", 1) + struct.pack(">BHHHH", 0, x, y, w, h)
        pds = struct.pack(">BB", 0, 0) + struct.pack(">BBBBB", 1, 235, 128, 128, 255)
        rle = bytes([0x00, 0xC0 | (w >> 8), w & 0xFF, 0x01, 0x00, 0x00]) * h
        ods = struct.pack(">HBB", 0, 0, 0xC0) + (len(rle) + 4).to_bytes(3, "big")
        ods += struct.pack(">HH", w, h) + rle
        for kind, payload in ((0x16, pcs), (0x17, wds), (0x14, pds), (0x15, ods), (0x80, b"")):
            out += _segment(p1, kind, payload)
        clear = struct.pack(">HHBHBBBB", width, height, 0x10, 2 * n + 1, 0x00, 0, 0, 0)
        for kind, payload in ((0x16, clear), (0x17, wds), (0x80, b"")):
            out += _segment(p2, kind, payload)
    return out
