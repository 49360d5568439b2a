"""Comic archives (CBZ = a zip of images).

At ingest: the page index (natural order, image type, byte size, width/height from the image
header via Pillow — no full decode). On read: the zip's central directory and one entry are
fetched through the store's ``open_range`` (``media.readers.RangeReader``); nothing is
extracted to disk.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from media.readers import RangeReader

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".avif"}
MIME_BY_FORMAT = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "BMP": "image/bmp",
    "AVIF": "image/avif",
}
MIME_BY_SUFFIX = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".avif": "image/avif",
}
MAX_PAGE_BYTES = 64 * 1024 * 1024

_DIGITS = re.compile(r"(\d+)")


class CbzError(Exception):
    """Not a usable comic archive (not a zip, no images, unreadable pages)."""


def natural_key(name: str) -> list[Any]:
    """'page2.jpg' < 'page10.jpg'; case-insensitive; digits compared as numbers."""
    return [int(part) if part.isdigit() else part.casefold() for part in _DIGITS.split(name)]


def _is_page(name: str) -> bool:
    if name.endswith("/"):
        return False
    parts = name.split("/")
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return False
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def page_index(path: str | Path) -> list[dict[str, Any]]:
    """The stored page index: [{name, type, size, width, height}] in reading order."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise CbzError(f"{Path(path).name} is not a zip archive (a .cbz must be a zip)") from exc
    pages = []
    with zf:
        infos = sorted((i for i in zf.infolist() if _is_page(i.filename)), key=_info_key)
        if not infos:
            raise CbzError(f"{Path(path).name} holds no images")
        for info in infos:
            try:
                with zf.open(info) as f, Image.open(f) as img:
                    fmt, (width, height) = img.format, img.size
            except (UnidentifiedImageError, OSError, zipfile.BadZipFile) as exc:
                raise CbzError(f"{info.filename} is not a readable image: {exc}") from exc
            pages.append(
                {
                    "name": info.filename,
                    "type": MIME_BY_FORMAT.get(fmt or "", "application/octet-stream"),
                    "size": info.file_size,
                    "width": width,
                    "height": height,
                }
            )
    return pages


def _info_key(info: zipfile.ZipInfo) -> list[Any]:
    return natural_key(info.filename)


def folder_to_cbz(folder: str | Path, out: str | Path) -> Path:
    """A folder of images → a stored (uncompressed: images do not shrink) CBZ, pages in
    natural order."""
    folder = Path(folder)
    files = sorted(
        (
            p
            for p in folder.rglob("*")
            if p.is_file() and _is_page(p.relative_to(folder).as_posix())
        ),
        key=lambda p: natural_key(p.relative_to(folder).as_posix()),
    )
    if not files:
        raise CbzError(f"{folder} holds no images")
    out = Path(out)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for p in files:
            zf.write(p, p.relative_to(folder).as_posix())
    return out


# --- reading through the vault -----------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_CENTRAL_FMT = "<4s4B4HL2L5H2L"
_CENTRAL_SIZE = struct.calcsize(_CENTRAL_FMT)  # 46
_LOCAL_SIZE = 30


@dataclass(frozen=True)
class ZipEntry:
    name: str
    method: int
    compressed_size: int
    size: int
    header_offset: int


async def _read(backend: RangeReader, ref: str, start: int, end: int) -> bytes:
    return b"".join([c async for c in backend.open_range(ref, start, end)])


def _zip64_values(extra: bytes, wanted: list[str]) -> dict[str, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 0x0001:
            values = {}
            off = pos + 4
            for name in wanted:
                values[name] = struct.unpack_from("<Q", extra, off)[0]
                off += 8
            return values
        pos += 4 + length
    raise CbzError("zip64 sizes missing from the central directory")


async def read_directory(backend: RangeReader, ref: str, size: int) -> dict[str, ZipEntry]:
    """Parse the central directory of the zip stored under ``ref`` (two or three ranged reads:
    the tail, maybe the zip64 record, the directory)."""
    tail_len = min(size, 22 + 65535 + 20)
    tail = await _read(backend, ref, size - tail_len, size)
    at = tail.rfind(_EOCD)
    if at < 0:
        raise CbzError("not a zip archive: no end-of-central-directory record")
    (_, _, _, _, total, cd_size, cd_offset, _) = struct.unpack_from("<4s4H2LH", tail, at)
    if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF or total == 0xFFFF:
        loc = at - 20
        if loc < 0 or tail[loc : loc + 4] != _EOCD64_LOCATOR:
            raise CbzError("zip64 locator missing")
        (eocd64_offset,) = struct.unpack_from("<Q", tail, loc + 8)
        rec = await _read(backend, ref, eocd64_offset, eocd64_offset + 56)
        if rec[:4] != _EOCD64:
            raise CbzError("zip64 end record missing")
        total, cd_size, cd_offset = struct.unpack_from("<3Q", rec, 32)
    if cd_size > 64 * 1024 * 1024:
        raise CbzError("central directory is implausibly large")
    data = await _read(backend, ref, cd_offset, cd_offset + cd_size)
    entries: dict[str, ZipEntry] = {}
    pos = 0
    for _ in range(total):
        fields = struct.unpack_from(_CENTRAL_FMT, data, pos)
        if fields[0] != _CENTRAL:
            raise CbzError("corrupt central directory")
        flags, method = fields[5], fields[6]
        csize, usize = fields[10], fields[11]
        n, m, k = fields[12], fields[13], fields[14]
        offset = fields[18]
        raw_name = data[pos + _CENTRAL_SIZE : pos + _CENTRAL_SIZE + n]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        extra = data[pos + _CENTRAL_SIZE + n : pos + _CENTRAL_SIZE + n + m]
        wanted = [
            label
            for label, value in (("usize", usize), ("csize", csize), ("offset", offset))
            if value == 0xFFFFFFFF
        ]
        if wanted:
            big = _zip64_values(extra, wanted)
            usize, csize, offset = (
                big.get("usize", usize),
                big.get("csize", csize),
                big.get("offset", offset),
            )
        entries[name] = ZipEntry(name, method, csize, usize, offset)
        pos += _CENTRAL_SIZE + n + m + k
    return entries


async def read_entry(backend: RangeReader, ref: str, entry: ZipEntry, size: int) -> bytes:
    """One entry's bytes: the local header and the data in one ranged read (a second one only
    if the local extra field is unusually long)."""
    if entry.size > MAX_PAGE_BYTES or entry.compressed_size > MAX_PAGE_BYTES:
        raise CbzError(f"{entry.name} is larger than {MAX_PAGE_BYTES} bytes")
    slack = _LOCAL_SIZE + len(entry.name.encode()) * 2 + 1024
    start = entry.header_offset
    blob = await _read(backend, ref, start, min(start + slack + entry.compressed_size, size))
    if blob[:4] != _LOCAL:
        raise CbzError(f"no local header for {entry.name}")
    n, m = struct.unpack_from("<HH", blob, 26)
    data_start = _LOCAL_SIZE + n + m
    data = blob[data_start : data_start + entry.compressed_size]
    if len(data) < entry.compressed_size:
        begin = start + data_start
        data = await _read(backend, ref, begin, begin + entry.compressed_size)
    if entry.method == zipfile.ZIP_STORED:
        return data
    if entry.method == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        out = inflater.decompress(data, MAX_PAGE_BYTES)
        if inflater.unconsumed_tail:
            raise CbzError(f"{entry.name} inflates past {MAX_PAGE_BYTES} bytes")
        return out
    raise CbzError(f"{entry.name} uses unsupported zip method {entry.method}")


class DirectoryCache:
    """Parsed central directories of recently read chapters (in-process, bounded)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], dict[str, ZipEntry]] = OrderedDict()

    async def get(self, backend: RangeReader, ref: str, size: int) -> dict[str, ZipEntry]:
        key = (backend.name, ref)
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        directory = await read_directory(backend, ref, size)
        self._items[key] = directory
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return directory


directories = DirectoryCache()


async def read_page(backend: RangeReader, ref: str, name: str, *, size: int | None = None) -> bytes:
    """The bytes of entry ``name`` of the CBZ under ``ref``."""
    if size is None:
        size = (await backend.stat(ref)).size
    try:
        directory = await directories.get(backend, ref, size)
    except struct.error as exc:
        raise CbzError(f"corrupt zip: {exc}") from exc
    entry = directory.get(name)
    if entry is None:
        raise CbzError(f"{name} is not in the archive")
    try:
        return await read_entry(backend, ref, entry, size)
    except (struct.error, zlib.error) as exc:
        raise CbzError(f"corrupt entry {name}: {exc}") from exc


def mime_for(name: str) -> str:
    return MIME_BY_SUFFIX.get(Path(name).suffix.lower(), "application/octet-stream")


__all__ = [
    "CbzError",
    "folder_to_cbz",
    "mime_for",
    "natural_key",
    "page_index",
    "read_page",
]
