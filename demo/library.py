"""A small demo library made through the catalog services, so it exercises the same write path
as ingest: movies with several qualities and subtitles (one rated 18+), a series with two
seasons and a pack, and a manga with chapters. Safe to run twice (titles already there are left
alone)."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from catalog import services
from catalog.models import ContentRating, MediaType, Title, TitleStatus, default_backend

GB = 1_000_000_000

MOVIES = [
    {
        "title": "Avengers: Endgame",
        "year": 2019,
        "tmdb_id": 299534,
        "rating": 8.3,
        "genres": ["Action", "Science Fiction", "Adventure"],
        "overview": "The Avengers assemble once more to reverse Thanos' actions.",
        "files": [
            ("2160p", "4K HDR [HEVC]", 14.2),
            ("1080p", "1080p [x264]", 2.8),
            ("720p", "720p [x264]", 1.4),
        ],
    },
    {
        "title": "The Matrix",
        "year": 1999,
        "tmdb_id": 603,
        "rating": 8.2,
        "genres": ["Action", "Science Fiction"],
        "overview": "A hacker learns the truth about his reality.",
        "files": [("1080p", "1080p BluRay", 2.1), ("480p", "480p WEB", 0.7)],
    },
    {
        "title": "Spirited Away",
        "year": 2001,
        "tmdb_id": 129,
        "rating": 8.5,
        "genres": ["Animation", "Family", "Fantasy"],
        "overview": "A girl wanders into a world ruled by gods and witches.",
        "files": [("1080p", "1080p [x265]", 1.9)],
    },
    {
        "title": "Amélie",
        "year": 2001,
        "tmdb_id": 194,
        "rating": 7.9,
        "genres": ["Comedy", "Romance"],
        "content_rating": "18+",
        "overview": "A shy waitress decides to change the lives of those around her.",
        "files": [("1080p", "1080p", 2.3), ("720p", "720p", 1.1)],
    },
]

SUBTITLES = [
    {"stream_index": 3, "lang": "eng", "label": "English", "codec": "subrip"},
    {"stream_index": 4, "lang": "spa", "label": "Español", "codec": "subrip"},
]


def _hash(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


class Library:
    """``Library(stdout).load(admin=…)``: the titles, then (optionally) the admin login."""

    def __init__(self, stdout) -> None:
        self.stdout = stdout

    def load(self, *, admin: bool) -> None:
        with transaction.atomic(), services.documents_deferred():
            created = self._movies() + self._series() + self._manga()
        self.stdout.write(
            f"Demo library: {created} title(s) created, {Title.objects.count()} in the catalog."
        )
        if admin:
            self._admin()

    def _movies(self) -> int:
        created = 0
        for spec in MOVIES:
            if Title.objects.filter(media_type=MediaType.MOVIE, tmdb_id=spec["tmdb_id"]).exists():
                continue
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
                poster=f"demo/posters/{spec['tmdb_id']}.jpg",
                backdrop=f"demo/backdrops/{spec['tmdb_id']}.jpg",
            )
            for quality, label, size_gb in spec["files"]:
                f = services.media_file_add(
                    title=movie,
                    quality=quality,
                    label=label,
                    size_bytes=int(size_gb * GB),
                    file_hash=_hash("movie", spec["tmdb_id"], quality),
                    ref=f"demo/{spec['tmdb_id']}/{quality}.mkv",
                    container="matroska",
                    video_codec="hevc" if quality == "2160p" else "h264",
                    duration=10860.0,
                    hdr=quality == "2160p",
                    audio_langs=["eng"],
                )
                services.subtitle_tracks_set(media_file=f, tracks=SUBTITLES)
                services.mirrors_set(
                    media_file=f,
                    mirrors=[
                        {
                            "host": "PixelDrain",
                            "url": f"https://pixeldrain.example/u/{f.file_hash[:8]}",
                            "icon": "icon_pixeldrain.png",
                        }
                    ],
                )
                services.embeds_set(
                    media_file=f,
                    embeds=[
                        {
                            "host": "VidHide",
                            "url": f"https://vidhide.example/e/{f.file_hash[:8]}",
                            "priority": 1,
                        }
                    ],
                )
            for pos in (10, 30, 50, 70, 90):
                services.screenshot_add(
                    title=movie, ref=f"demo/shots/{spec['tmdb_id']}-{pos}.jpg", position=pos
                )
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
            poster="demo/posters/1399.jpg",
            overview="Noble families fight for the Iron Throne.",
        )
        names = {
            1: ["Winter Is Coming", "The Kingsroad", "Lord Snow"],
            2: ["The North Remembers", "The Night Lands"],
        }
        for season, episode_names in names.items():
            for number, name in enumerate(episode_names, start=1):
                ep = services.episode_add(
                    series=series,
                    season=season,
                    number=number,
                    name=name,
                    air_date=datetime.date(2010 + season, 4, 7 * number),
                )
                for quality in ("1080p", "720p"):
                    f = services.media_file_add(
                        title=series,
                        episode=ep,
                        quality=quality,
                        size_bytes=int(0.9 * GB),
                        file_hash=_hash("got", season, number, quality),
                        ref=f"demo/got/s{season}e{number}-{quality}.mkv",
                        duration=3300.0,
                    )
                    services.subtitle_tracks_set(media_file=f, tracks=SUBTITLES[:1])
        services.season_pack_set(
            series=series,
            season=1,
            backend=default_backend(),
            ref="demo/got/season1.zip",
            size_bytes=25 * GB,
            episodes=[1, 2, 3],
        )
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
            read_direction="ltr",
            poster="demo/posters/solo-leveling.jpg",
        )
        for number, name in (
            (1, "I'm Used to It"),
            (2, "If I Had Been a Little Faster"),
            (2.5, "Extra"),
        ):
            pages = [
                {"name": f"{p:03d}.jpg", "size": 180_000 + p, "width": 800, "height": 1200}
                for p in range(1, 19)
            ]
            services.chapter_add(
                manga=manga,
                number=number,
                name=name,
                backend=default_backend(),
                ref=f"demo/solo/{number}.cbz",
                pages=pages,
            )
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
