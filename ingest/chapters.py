"""Manga chapters: a .cbz, or a folder of images made into a stored CBZ, becomes one chapter.
The page index (names in natural order, sizes, dimensions) is read once here and stored; pages
are served later out of the zip (``/api/read``) without extracting anything."""

from __future__ import annotations

import re
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog import services as catalog
from catalog.models import MediaType, Title, TitleStatus
from ingest.attach import title_for_release
from ingest.blocked import blocked_hash_check, file_sha256
from ingest.errors import IngestError
from ingest.results import IngestResult, validation_message
from ingest.work import put
from media.cbz import CbzError, folder_to_cbz, page_index

_CHAPTER_RE = re.compile(r"(?:ch(?:apter)?|c)[\s._-]*(\d+(?:\.\d+)?)", re.IGNORECASE)
_LAST_NUMBER_RE = re.compile(r"(\d+(?:\.\d+)?)(?!.*\d)")


def chapter_number_from_name(name: str) -> Decimal | None:
    match = _CHAPTER_RE.search(name) or _LAST_NUMBER_RE.search(name)
    if not match:
        return None
    try:
        return Decimal(match.group(1))
    except InvalidOperation:
        return None


def _manga_name(stem: str) -> str:
    cut = _CHAPTER_RE.search(stem)
    name = stem[: cut.start()] if cut else _LAST_NUMBER_RE.sub("", stem)
    return re.sub(r"[\s._\-\[\]()]+", " ", name).strip()


def chapter_ingest(
    *,
    path: str | Path,
    manga: Title | None = None,
    number: Decimal | float | int | str | None = None,
    name: str = "",
    backend: str | None = None,
    publish: bool = True,
) -> IngestResult:
    """Ingest a .cbz, or a folder of images (made into a stored CBZ), as one chapter."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="ingest-") as tmp:
        if path.is_dir():
            try:
                cbz = folder_to_cbz(path, Path(tmp) / f"{path.name}.cbz")
            except CbzError as exc:
                raise IngestError(str(exc)) from exc
        elif path.is_file():
            cbz = path
        else:
            raise IngestError(f"{path} does not exist")
        size = cbz.stat().st_size
        sha256 = file_sha256(cbz)
        blocked_hash_check(sha256=sha256, source=str(path), size_bytes=size)
        try:
            pages = page_index(cbz)
        except CbzError as exc:
            raise IngestError(str(exc)) from exc
        if number is None:
            number = chapter_number_from_name(path.stem)
            if number is None:
                raise IngestError(f"no chapter number in {path.name!r}; pass --chapter")
        stored = put(cbz, f"{sha256[:12]}.cbz", backend=backend)
    try:
        with transaction.atomic(), catalog.documents_deferred():
            if manga is None:
                manga, _ = title_for_release(
                    media_type=MediaType.MANGA, name=_manga_name(path.stem), year=None
                )
            if publish and manga.status == TitleStatus.PROCESSING:
                catalog.title_set_status(title=manga, status=TitleStatus.AVAILABLE)
            chapter = catalog.chapter_add(
                manga=manga,
                number=number,
                name=name,
                backend=stored["backend"],
                ref=stored["ref"],
                pages=pages,
            )
    except ValidationError as exc:
        raise IngestError(validation_message(exc)) from exc
    return IngestResult(title=manga, created=True, chapter=chapter)
