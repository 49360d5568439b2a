"""The demo library, made of real media and ingested through the real pipeline
(``ingest.local.media_ingest``, ``ingest.chapters.chapter_ingest``), so every file streams
(through its browser-playable rendition), every subtitle serves and every page reads: four
movies in two qualities with English and Spanish subtitles (one with AC3 audio, one with an
image subtitle track), a series with two seasons and a season pack, and a manga with three
chapters and a chapter pack. The media is made by ``demo.media`` under ``DEMO_MEDIA_DIR``
(``var/demo-media``, kept between runs). Safe to run twice: titles already there are left alone."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from catalog import services
from catalog.models import ContentRating, MediaType, Title, TitleStatus
from demo.media import draw_image, make_chapter, make_video, subtitles_for
from ingest.chapters import chapter_ingest
from ingest.local import media_ingest
from ingest.packs import chapter_pack_build, season_pack_build
from ingest.work import put

MOVIE_SECONDS, EPISODE_SECONDS = 360, 330  # over WATCH_MIN_DURATION: progress is kept

MOVIES: list[dict[str, Any]] = [
    {
        "title": "Avengers: Endgame",
        "year": 2019,
        "tmdb_id": 299534,
        "rating": 8.3,
        "genres": ["Action", "Science Fiction", "Adventure"],
        "overview": "The Avengers assemble once more to reverse Thanos' actions.",
        "audio": "ac3",  # browsers cannot play it: the rendition transcodes the audio
        "color": (150, 30, 40),
        "pattern": "testsrc2",
        "intro": (3, 60),
    },
    {
        "title": "The Matrix",
        "year": 1999,
        "tmdb_id": 603,
        "rating": 8.2,
        "genres": ["Action", "Science Fiction"],
        "overview": "A hacker learns the truth about his reality.",
        "audio": "aac",
        "image_subtitle": True,
        "color": (20, 110, 40),
        "pattern": "smptehdbars",
    },
    {
        "title": "Spirited Away",
        "year": 2001,
        "tmdb_id": 129,
        "rating": 8.5,
        "genres": ["Animation", "Family", "Fantasy"],
        "overview": "A girl wanders into a world ruled by gods and witches.",
        "audio": "aac",
        "color": (40, 90, 160),
        "pattern": "smptebars",
    },
    {
        "title": "Amélie",
        "year": 2001,
        "tmdb_id": 194,
        "rating": 7.9,
        "genres": ["Comedy", "Romance"],
        "content_rating": ContentRating.ADULT,
        "overview": "A shy waitress decides to change the lives of those around her.",
        "audio": "aac",
        "color": (170, 120, 20),
        "pattern": "rgbtestsrc",
    },
]
QUALITIES = ("360p", "240p")
EPISODES = {1: ["Winter Is Coming", "The Kingsroad", "Lord Snow"], 2: ["The North Remembers"]}
CHAPTERS = [(1, "I'm Used to It"), (2, "If I Had Been a Little Faster"), (2.5, "Extra")]


class Library:
    """``Library(stdout).load(admin=…)``: the titles, then (optionally) the admin login."""

    def __init__(self, stdout) -> None:
        self.stdout = stdout
        self.work = Path(settings.DEMO_MEDIA_DIR)

    def load(self, *, admin: bool) -> None:
        created = self._movies() + self._series() + self._manga()
        self.stdout.write(
            f"Demo library: {created} title(s) created, {Title.objects.count()} in the catalog."
        )
        if admin:
            self._admin()

    def _visuals(self, key: str, name: str, color: tuple[int, int, int]) -> dict[str, str]:
        poster = draw_image(
            self.work / f"{key}-poster.jpg", text=name, size=(400, 600), color=color
        )
        backdrop = draw_image(
            self.work / f"{key}-backdrop.jpg", text=name, size=(1280, 720), color=color
        )
        return {
            "poster": put(poster, poster.name)["tagged"],
            "backdrop": put(backdrop, backdrop.name)["tagged"],
        }

    def _movies(self) -> int:
        created = 0
        for spec in MOVIES:
            if Title.objects.filter(media_type=MediaType.MOVIE, tmdb_id=spec["tmdb_id"]).exists():
                continue
            key = f"movie-{spec['tmdb_id']}"
            movie = services.title_create(
                media_type=MediaType.MOVIE,
                title=spec["title"],
                year=spec["year"],
                tmdb_id=spec["tmdb_id"],
                rating=spec["rating"],
                genres=spec["genres"],
                overview=spec["overview"],
                content_rating=spec.get("content_rating", ContentRating.SAFE),
                status=TitleStatus.AVAILABLE,
                **self._visuals(key, spec["title"], spec["color"]),
            )
            for n, quality in enumerate(QUALITIES):
                video = make_video(
                    self.work / f"{key}-{quality}.mkv",
                    seconds=MOVIE_SECONDS,
                    quality=quality,
                    audio=spec["audio"],
                    pattern=spec["pattern"],
                    tone=330 + 110 * n,
                    subtitles=subtitles_for(spec["title"], MOVIE_SECONDS),
                    image_subtitle=spec.get("image_subtitle", False),
                )
                media_ingest(path=video, title=movie, quality=quality)
            if spec.get("intro"):
                start, end = spec["intro"]
                services.intro_pin(title=movie, actor="demo", start=start, end=end)
            created += 1
        return created

    def _series(self) -> int:
        if Title.objects.filter(media_type=MediaType.SERIES, tmdb_id=1399).exists():
            return 0
        series = services.title_create(
            media_type=MediaType.SERIES,
            title="Game of Thrones",
            year=2011,
            tmdb_id=1399,
            rating=8.4,
            genres=["Drama", "Fantasy"],
            series_status="ended",
            status=TitleStatus.AVAILABLE,
            overview="Noble families fight for the Iron Throne.",
            **self._visuals("series-1399", "Game of Thrones", (60, 60, 70)),
        )
        for season, names in EPISODES.items():
            for number, name in enumerate(names, start=1):
                services.episode_add(series=series, season=season, number=number, name=name)
                video = make_video(
                    self.work / f"got-s{season}e{number}.mkv",
                    seconds=EPISODE_SECONDS,
                    quality="240p",
                    audio="aac",
                    pattern="testsrc",
                    tone=220 + 40 * number,
                    subtitles=subtitles_for(f"S{season}E{number} {name}", EPISODE_SECONDS),
                )
                media_ingest(path=video, title=series, season=season, episode=number)
        season_pack_build(series=series, season=1)
        return 1

    def _manga(self) -> int:
        if Title.objects.filter(media_type=MediaType.MANGA, title="Solo Leveling").exists():
            return 0
        manga = services.title_create(
            media_type=MediaType.MANGA,
            title="Solo Leveling",
            year=2018,
            rating=8.7,
            genres=["Action", "Fantasy"],
            status=TitleStatus.AVAILABLE,
            read_direction="rtl",
            overview="The weakest hunter of all mankind gets a second chance.",
            **self._visuals("manga-solo", "Solo Leveling", (30, 30, 90)),
        )
        for number, name in CHAPTERS:
            cbz = make_chapter(
                self.work / f"solo-{number}.cbz",
                title="Solo Leveling",
                chapter=str(number),
                pages=6,
            )
            chapter_ingest(path=cbz, manga=manga, number=number, name=name)
        chapter_pack_build(manga=manga)
        return 1

    def _admin(self) -> None:
        password_file = settings.BASE_DIR / "var" / "admin-password.txt"
        password_file.parent.mkdir(parents=True, exist_ok=True)
        User = get_user_model()
        if not User.objects.filter(username="admin").exists() or not password_file.exists():
            password = secrets.token_urlsafe(12)
            user, _ = User.objects.get_or_create(username="admin")
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            password_file.write_text(password)
        password = password_file.read_text().strip()
        self.stdout.write(f"Admin login: admin / {password}")
