"""Synthetic names and values for bulk titles: word lists combined into mostly unique, varied
titles ("Crimson Harbor Chronicles", "The Lantern of the Silent Valley")."""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal

from ..models import (
    MediaType,
    TitleStatus,
)

# The services' own helpers, so bulk rows are derived exactly as single writes derive them.

GENRES = [
    "Action",
    "Adventure",
    "Animation",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "History",
    "Horror",
    "Music",
    "Mystery",
    "Romance",
    "Science Fiction",
    "Thriller",
    "War",
    "Western",
]

ADJECTIVES = """Crimson Silent Broken Hidden Golden Frozen Burning Midnight Scarlet Hollow Iron
Silver Wicked Savage Endless Forgotten Electric Wild Dark Bright Lost Last Eternal Shattered
Velvet Neon Emerald Obsidian Restless Fallen Secret Distant Bitter Sacred Stolen Quiet Violent
Lucky Lonely Northern Southern Ancient Infinite Crystal Phantom Rogue Twisted Painted Sunken
Wandering Brave Cold Hungry Savage Pale Wounded Gilded Radiant Feral Hallowed""".split()

NOUNS = """Harbor Empire Kingdom River Mountain Shadow Garden Engine Horizon Frontier Dynasty Tide
Storm Signal Circuit Orchard Citadel Desert Valley Island Forest Canyon Station Paradise Labyrinth
Voyage Requiem Symphony Outpost Prophecy Covenant Carnival Reckoning Harvest Mirage Lantern Compass
Anthem Rebellion Sanctuary Vendetta Wilderness Odyssey Paradox Cathedral Meridian Galaxy Serpent
Falcon Wolf Raven Tiger Dragon Phoenix Knight Witch Hunter Samurai Detective Pilot Sheriff Queen
King Prince Ghost Stranger Orphan Thief Soldier Doctor Captain Widow Heir Outlaw Monarch Saint
Daughter Brother Glacier Monsoon Lighthouse""".split()

SUFFIXES = """Chronicles Saga Returns Rising Reborn Protocol Files Diaries Confessions Conspiracy
Awakening Revelation Uprising Redemption Origins Affair Incident Experiment Directive Code Ballad
Tales Mysteries Legacy Trilogy Gambit Testament Exodus Endgame Aftermath""".split()

PLACES = """Tokyo Berlin Havana Cairo Marseille Oslo Lagos Lisbon Kyoto Montana Yukon Sahara Vienna
Istanbul Patagonia Alaska Prague Saigon Dakota Manhattan Brooklyn Siberia Tangier Casablanca
Reykjavik Nairobi Shanghai Bogotá Montréal Zürich Málaga Kraków São_Paulo Tromsø""".replace(
    "_", " "
).split()

NAMES = """Anna Marcus Elena Tomás Yuki Amara Felix Ingrid Omar Chloé Dmitri Lucia Kenji Nadia
Oscar Priya Rafael Sofia Viktor Zara Hugo Leila Mateo Noor""".split()

SEQUELS = [" 2", " 3", " II", ": Part Two", ": The Return", " Reloaded"]

QUALITIES = [
    # quality, label, size range in GB, (width, height), codec, hdr
    ("2160p", "4K HDR [HEVC]", (9.0, 25.0), (3840, 2160), "hevc", True),
    ("1080p", "1080p [x264]", (1.4, 4.5), (1920, 1080), "h264", False),
    ("720p", "720p [x264]", (0.6, 1.6), (1280, 720), "h264", False),
    ("480p", "480p WEB", (0.25, 0.8), (854, 480), "h264", False),
]

SUBTITLE_LANGS = [
    ("eng", "English"),
    ("spa", "Español"),
    ("fre", "Français"),
    ("ger", "Deutsch"),
    ("por", "Português"),
    ("ita", "Italiano"),
    ("jpn", "日本語"),
    ("ara", "العربية"),
]
MIRROR_HOSTS = [("PixelDrain", "icon_pixeldrain.png"), ("GoFile", "icon_gofile.png")]
EMBED_HOSTS = ["VidHide", "StreamWish", "FileMoon"]


class NameMaker:
    """Multi-word names from the word lists; retries a few times to avoid repeats in one run."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def _one(self) -> str:
        r = self.rng
        adj, noun, suffix = r.choice(ADJECTIVES), r.choice(NOUNS), r.choice(SUFFIXES)
        pattern = r.random()
        if pattern < 0.30:
            name = f"{adj} {noun} {suffix}"
        elif pattern < 0.45:
            name = f"The {noun} of the {adj} {r.choice(NOUNS)}"
        elif pattern < 0.58:
            name = f"{adj} {noun}: {suffix}"
        elif pattern < 0.68:
            name = f"{r.choice(PLACES)} {noun} {suffix}"
        elif pattern < 0.78:
            name = f"{r.choice(NAMES)}'s {adj} {noun}"
        elif pattern < 0.88:
            name = f"The {adj} {noun} of {r.choice(PLACES)}"
        else:
            name = f"{adj} {noun} {r.choice(NOUNS)}"
        if r.random() < 0.06:
            name += r.choice(SEQUELS)
        return name

    def make(self) -> str:
        name = self._one()
        for _ in range(6):
            if name not in self.used:
                break
            name = self._one()
        self.used.add(name)
        return name

    def short(self) -> str:
        return f"{self.rng.choice(ADJECTIVES)} {self.rng.choice(NOUNS)}"


def fake_rating(rng: random.Random) -> Decimal | None:
    if rng.random() < 0.05:
        return None
    value = min(9.8, max(1.0, rng.gauss(6.6, 1.2)))
    return Decimal(f"{value:.1f}")


def fake_year(rng: random.Random) -> int:
    return max(1950, 2025 - int(abs(rng.gauss(0, 20))))


def fake_media_type(rng: random.Random) -> str:
    r = rng.random()
    return MediaType.MOVIE if r < 0.72 else MediaType.SERIES if r < 0.90 else MediaType.MANGA


def fake_status(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.95:
        return TitleStatus.AVAILABLE
    if r < 0.975:
        return TitleStatus.PROCESSING
    return TitleStatus.REPAIRING if r < 0.995 else TitleStatus.BANNED


def fake_hash(*parts: object) -> str:
    return hashlib.sha256("/".join(("bulk", *map(str, parts))).encode()).hexdigest()
