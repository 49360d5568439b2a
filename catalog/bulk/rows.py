"""The rows of a batch of bulk titles, built in memory and inserted with ``bulk_create`` or
PostgreSQL's COPY; each title's document and card built from the objects just created."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

from ..documents import title_card_build, title_document_build
from ..models import (
    Chapter,
    ContentRating,
    DownloadMirror,
    Embed,
    Episode,
    FileStatus,
    Genre,
    IssuedShortId,
    LinkStatus,
    MediaFile,
    MediaType,
    ReadDirection,
    Screenshot,
    SeasonPack,
    SeriesStatus,
    SubtitleTrack,
    Title,
    default_backend,
)

# The services' own helpers, so bulk rows are derived exactly as single writes derive them.
from ..services.titles import search_text_build
from ..text import clean_title, new_short_id
from .names import (
    EMBED_HOSTS,
    MIRROR_HOSTS,
    QUALITIES,
    SUBTITLE_LANGS,
    NameMaker,
    fake_hash,
    fake_rating,
    fake_status,
    fake_year,
)

GB = 1_000_000_000


@dataclass
class BulkLoadResult:
    titles: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, name: str, n: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + n


def prefetched(obj: Model, **relations: list[Any]) -> None:
    """Fill the prefetch cache exactly as ``prefetch_related`` would, so the document builder
    reads the in-memory rows (``title.files.all()`` returns them) instead of querying."""
    cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
    cache.update(relations)


def short_ids_issue(n: int) -> list[str]:
    """``n`` fresh short ids, registered in ``IssuedShortId`` (never reused, as the services
    guarantee). Candidates already issued, or repeated in the batch, are drawn again."""
    ids: set[str] = set()
    while len(ids) < n:
        candidates = {new_short_id() for _ in range(n - len(ids))} - ids
        taken = set(
            IssuedShortId.objects.filter(short_id__in=candidates).values_list("short_id", flat=True)
        )
        ids |= candidates - taken
    issued = sorted(ids)
    rows = [IssuedShortId(short_id=s) for s in issued]
    stamp(IssuedShortId, rows)
    rows_insert(IssuedShortId, rows)
    return issued


class Batch:
    """One batch of titles and everything hanging off them, built in memory then inserted."""

    def __init__(self, rng: random.Random, names: NameMaker, genres: list[Genre]) -> None:
        self.rng = rng
        self.names = names
        self.genres = genres
        self.titles: list[Title] = []
        self.title_genres: dict[int, list[Genre]] = {}  # index in self.titles → genres
        self.files: list[MediaFile] = []
        self.subtitles: list[SubtitleTrack] = []
        self.embeds: list[Embed] = []
        self.mirrors: list[DownloadMirror] = []
        self.episodes: list[Episode] = []
        self.packs: list[SeasonPack] = []
        self.chapters: list[Chapter] = []
        self.screenshots: list[Screenshot] = []
        # Children grouped by parent, in the order the prefetches of the builder return them.
        self.children: dict[int, dict[str, list[Any]]] = {}

    def _kids(self, obj: Model) -> dict[str, list[Any]]:
        return self.children.setdefault(id(obj), {})

    def add_title(self, *, short_id: str, media_type: str, tmdb_id: int | None) -> Title:
        rng = self.rng
        name = self.names.make()
        title = Title(
            media_type=media_type,
            tmdb_id=tmdb_id,
            short_id=short_id,
            title=name,
            clean_title=clean_title(name),
            year=fake_year(rng),
            rating=fake_rating(rng),
            overview=f"{self.names.short()} meets {self.names.short().lower()} in {name}.",
            content_rating=ContentRating.ADULT if rng.random() < 0.08 else ContentRating.SAFE,
            status=fake_status(rng),
            poster=f"bulk/posters/{short_id}.jpg",
            backdrop=f"bulk/backdrops/{short_id}.jpg" if rng.random() < 0.7 else "",
            views=int(rng.paretovariate(1.2) * 100),
        )
        if media_type == MediaType.SERIES:
            title.series_status = rng.choice([SeriesStatus.ONGOING, SeriesStatus.ENDED])
        if media_type == MediaType.MANGA:
            title.read_direction = ReadDirection.RTL if rng.random() < 0.7 else ReadDirection.LTR
        genres = rng.sample(self.genres, rng.choice([1, 2, 2, 3]))
        title.search_text = search_text_build(title, (g.name for g in genres))
        self.title_genres[len(self.titles)] = genres
        self.titles.append(title)
        kids = self._kids(title)
        kids.update(
            files=[], episodes=[], season_packs=[], chapters=[], chapter_packs=[], screenshots=[]
        )
        if media_type == MediaType.MOVIE:
            self._movie(title)
        elif media_type == MediaType.SERIES:
            self._series(title)
        else:
            self._manga(title)
        return title

    def _file(self, title: Title, episode: Episode | None, spec: tuple, tag: str) -> MediaFile:
        rng = self.rng
        quality, label, (lo, hi), (width, height), codec, hdr = spec
        digest = fake_hash(title.short_id, tag, quality)
        f = MediaFile(
            title=title,
            episode=episode,
            quality=quality,
            label=label,
            size_bytes=int(rng.uniform(lo, hi) * (GB if episode is None else GB // 4)),
            file_hash=digest,
            backend=default_backend(),
            ref=f"bulk/{title.short_id}/{tag}-{quality}.mkv",
            container="matroska",
            video_codec=codec,
            width=width,
            height=height,
            duration=float(rng.randint(5400, 9600) if episode is None else rng.randint(1300, 3600)),
            bitrate=rng.randint(1_500_000, 40_000_000),
            hdr=hdr,
            audio_langs=["eng"],
            status=FileStatus.ACTIVE if rng.random() < 0.97 else FileStatus.DEAD,
            backup_url=f"https://backup.example/{digest[:16]}" if rng.random() < 0.2 else "",
        )
        self.files.append(f)
        kids = self._kids(f)
        langs = rng.sample(SUBTITLE_LANGS, rng.choice([0, 1, 1, 2, 2, 3]))
        kids["subtitles"] = [
            SubtitleTrack(
                media_file=f,
                stream_index=2 + i,
                lang=lang,
                label=label_,
                codec="subrip",
                kind=SubtitleTrack.Kind.TEXT,
                vtt_ref=f"subs/{digest}/{lang}.vtt",
            )
            for i, (lang, label_) in enumerate(langs)
        ]
        if rng.random() < 0.1:
            kids["subtitles"].append(
                SubtitleTrack(
                    media_file=f,
                    stream_index=2 + len(langs),
                    lang="eng",
                    label="English (PGS)",
                    codec="hdmv_pgs_subtitle",
                    kind=SubtitleTrack.Kind.IMAGE,
                )
            )
        kids["embeds"] = [
            Embed(
                media_file=f,
                host=host,
                url=f"https://{host.lower()}.example/e/{digest[:10]}",
                priority=i + 1,
                status=LinkStatus.ACTIVE if rng.random() < 0.9 else LinkStatus.DEAD,
            )
            for i, host in enumerate(rng.sample(EMBED_HOSTS, rng.choice([0, 1, 1, 2])))
        ]
        kids["mirrors"] = [
            DownloadMirror(
                media_file=f,
                host=host,
                url=f"https://{host.lower()}.example/u/{digest[:10]}",
                icon=icon,
                status=LinkStatus.ACTIVE if rng.random() < 0.9 else LinkStatus.DEAD,
            )
            for host, icon in rng.sample(MIRROR_HOSTS, rng.choice([0, 1, 1, 2]))
        ]
        self.subtitles += kids["subtitles"]
        self.embeds += kids["embeds"]
        self.mirrors += kids["mirrors"]
        return f

    def _movie(self, title: Title) -> None:
        rng = self.rng
        first = rng.choice([0, 1, 1, 1, 2])  # mostly starting at 1080p, some at 4K
        count = rng.choice([1, 2, 2, 3])
        specs = QUALITIES[first : first + count]
        self._kids(title)["files"] = [self._file(title, None, spec, "movie") for spec in specs]
        if rng.random() < 0.6:
            shots = [
                Screenshot(title=title, ref=f"bulk/shots/{title.short_id}-{p}.jpg", position=p)
                for p in (10, 30, 50, 70, 90)
            ]
            self._kids(title)["screenshots"] = shots
            self.screenshots += shots

    def _series(self, title: Title) -> None:
        rng = self.rng
        if rng.random() < 0.2:  # announced, no episodes yet
            return
        episodes = []
        for season in range(1, rng.choice([1, 1, 2, 2, 3]) + 1):
            numbers = list(range(1, rng.randint(2, 8) + 1))
            for number in numbers:
                ep = Episode(
                    series=title,
                    season=season,
                    number=number,
                    name=self.names.short(),
                    air_date=datetime.date(title.year + season - 1, rng.randint(1, 12), number)
                    if rng.random() < 0.8
                    else None,
                )
                first = rng.choice([1, 1, 2])
                specs = QUALITIES[first : first + rng.choice([1, 2])]
                tag = f"s{season}e{number}"
                self._kids(ep)["files"] = [self._file(title, ep, spec, tag) for spec in specs]
                episodes.append(ep)
            if season == 1 and rng.random() < 0.4:
                pack = SeasonPack(
                    series=title,
                    season=season,
                    backend=default_backend(),
                    ref=f"bulk/{title.short_id}/season{season}.zip",
                    size_bytes=len(numbers) * rng.randint(300, 900) * 1_000_000,
                    episodes=numbers,
                )
                self._kids(title)["season_packs"] = [pack]
                self.packs.append(pack)
        self._kids(title)["episodes"] = episodes
        self.episodes += episodes

    def _manga(self, title: Title) -> None:
        rng = self.rng
        if rng.random() < 0.2:
            return
        numbers = [Decimal(n) for n in range(1, rng.randint(1, 12) + 1)]
        if rng.random() < 0.2:
            numbers.append(Decimal("2.5"))
        chapters = []
        for number in sorted(numbers):
            pages = [
                {
                    "name": f"{p:03d}.jpg",
                    "size": rng.randint(120_000, 420_000),
                    "width": 800,
                    "height": 1200,
                }
                for p in range(1, rng.randint(15, 35) + 1)
            ]
            chapters.append(
                Chapter(
                    manga=title,
                    number=number.quantize(Decimal("0.01")),
                    name=self.names.short() if rng.random() < 0.7 else "",
                    backend=default_backend(),
                    ref=f"bulk/{title.short_id}/{number}.cbz",
                    page_count=len(pages),
                    pages=pages,
                )
            )
        self._kids(title)["chapters"] = chapters
        self.chapters += chapters

    def save(self, result: BulkLoadResult) -> None:
        """Give every row its primary key and timestamps, build the documents from the rows
        in memory, then write each table once, parents first."""
        for model, objs in (
            (Title, self.titles),
            (Episode, self.episodes),
            (MediaFile, self.files),
            (Chapter, self.chapters),
        ):
            for obj, pk in zip(objs, ids_allocate(model, len(objs)), strict=True):
                obj.pk = pk
        through = Title.genres.through
        links = [
            through(title=self.titles[i], genre=g)
            for i, genres in self.title_genres.items()
            for g in genres
        ]
        tables: list[tuple[type[Model], list[Any]]] = [
            (Title, self.titles),
            (through, links),
            (Episode, self.episodes),
            (MediaFile, self.files),
            (SubtitleTrack, self.subtitles),
            (Embed, self.embeds),
            (DownloadMirror, self.mirrors),
            (Screenshot, self.screenshots),
            (SeasonPack, self.packs),
            (Chapter, self.chapters),
        ]
        for model, objs in tables:
            stamp(model, objs)
        self._build_documents()
        for model, objs in tables:
            rows_insert(model, objs)
            result.count(model._meta.model_name, len(objs))

    def _build_documents(self) -> None:
        for f in self.files:
            prefetched(f, **self.children[id(f)])
        for ep in self.episodes:
            prefetched(ep, **self.children[id(ep)])
        for i, title in enumerate(self.titles):
            genres = self.title_genres[i]
            prefetched(title, genres=genres, intro_votes=[], **self.children[id(title)])
            title.document = title_document_build(title)
            title.card = title_card_build(title.document)


def ids_allocate(model: type[Model], n: int) -> list[int]:
    """Reserve ``n`` primary keys, so documents (which show chapter ids) are built before the
    rows are written and every table is written once."""
    if n == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, n],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite has one writer at a time; the transaction of the batch holds it from here.
        # AUTOINCREMENT keeps ids of deleted rows in sqlite_sequence: never hand those out.
        qn = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {qn}), 0), "
            "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + n))


def stamp(model: type[Model], objs: list[Model]) -> None:
    """Set auto_now/auto_now_add values as a save would (documents show ``created_at``)."""
    fields = [f for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    fields += [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    for obj in objs:
        for f in fields:
            f.pre_save(obj, True)


def rows_insert(model: type[Model], objs: list[Model]) -> None:
    """Write the rows, each value prepared by its field as the ORM does. PostgreSQL gets them
    through COPY, several times faster than INSERT for this volume."""
    if not objs:
        return
    conn = connections[DEFAULT_DB_ALIAS]  # not the proxy: it costs a lookup per value
    with_pk = objs[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]

    def value(obj: Model, f: Any) -> Any:
        if f.is_relation:
            pk = getattr(obj, f.attname)
            if pk is None and f.is_cached(obj):  # the parent got its id after the assignment
                parent = f.get_cached_value(obj)
                pk = None if parent is None else parent.pk
            return pk
        return f.get_db_prep_save(getattr(obj, f.attname), conn)

    rows = [tuple(value(obj, f) for f in fields) for obj in objs]
    qn = conn.ops.quote_name
    table, columns = qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
