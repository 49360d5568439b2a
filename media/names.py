"""Release names: what guessit reads from a file name, and the clean name we give the file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from guessit import guessit

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ReleaseName:
    title: str
    year: int | None = None
    season: int | None = None
    episode: int | None = None
    quality: str = ""  # guessit's screen_size: 2160p, 1080p …
    source: str = ""  # Blu-ray, Web, HDTV …
    codec: str = ""  # H.264, H.265 …
    container: str = ""
    # Every episode a multi-episode file holds (S01E01E02, S01E01-E03): (1, 2), (1, 2, 3).
    episodes: tuple[int, ...] = ()

    @property
    def is_episode(self) -> bool:
        return self.episode is not None


def _first(value):
    return value[0] if isinstance(value, list) else value


def parse_release(name: str) -> ReleaseName:
    """Parse a release name. Site names, release groups and other tags are dropped: they are
    what the clean name must not carry."""
    info = guessit(name)
    season = _first(info.get("season"))
    episode = _first(info.get("episode"))
    title = str(info.get("title") or "").strip()
    numbers = info.get("episode")
    numbers = numbers if isinstance(numbers, list) else [numbers] if numbers is not None else []
    return ReleaseName(
        episodes=tuple(sorted({int(n) for n in numbers})),
        title=title,
        year=_first(info.get("year")),
        season=int(season) if season is not None else None,
        episode=int(episode) if episode is not None else None,
        quality=str(info.get("screen_size") or ""),
        source=str(_first(info.get("source")) or ""),
        codec=str(_first(info.get("video_codec")) or ""),
        container=str(info.get("container") or ""),
    )


def _safe(text: str) -> str:
    return _SPACES.sub(" ", _UNSAFE.sub(" ", text)).strip(" .")


def clean_filename(
    *,
    title: str,
    year: int | None = None,
    quality: str = "",
    ext: str = "",
    season: int | None = None,
    episode: int | None = None,
) -> str:
    """ "Title (Year) [1080p].mkv", "Title S01E02 [720p].mkv", "Title (Year).cbz" …"""
    name = _safe(title) or "Untitled"
    if year:
        name += f" ({year})"
    if season is not None and episode is not None:
        name += f" S{season:02d}E{episode:02d}"
    elif season is not None:
        name += f" S{season:02d}"
    if quality:
        name += f" [{_safe(quality)}]"
    ext = ext.lower().lstrip(".")
    return f"{name}.{ext}" if ext else name
