"""The catalog: titles and everything hanging off them (docs/design.md).

Writes go through ``catalog.services``; each ends by rebuilding ``Title.document`` (the
frontend's read model, docs/design.md) so reads cost one indexed lookup.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

IMDB_ID = RegexValidator(r"^tt\d{7,10}$", "An IMDb id looks like tt0133093.")


class MediaType(models.TextChoices):
    MOVIE = "movie", "Movie"
    SERIES = "series", "Series"
    MANGA = "manga", "Manga"


def intro_pin_errors(start: int | None, end: int | None) -> dict[str, str]:
    """A pinned intro is both ends or neither, and ends after it starts."""
    if (start is None) != (end is None):
        return {"intro_end": "Pin both the start and the end of the intro, or neither."}
    if start is not None and end is not None and end <= start:
        return {"intro_end": "The intro must end after it starts."}
    return {}


class TitleStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    PROCESSING = "processing", "Processing"
    BANNED = "banned", "Banned"
    REPAIRING = "repairing", "Repairing"


class ContentRating(models.TextChoices):
    SAFE = "safe", "Safe"
    ADULT = "18+", "18+"


class SeriesStatus(models.TextChoices):
    ONGOING = "ongoing", "Ongoing"
    ENDED = "ended", "Ended"


class ReadDirection(models.TextChoices):
    RTL = "rtl", "Right to left"
    LTR = "ltr", "Left to right"


class FileStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PROCESSING = "processing", "Processing"
    DEAD = "dead", "Dead"


class LinkStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DEAD = "dead", "Dead"


def default_backend() -> str:
    """Where new objects go: ``settings.VAULT_DEFAULT_BACKEND`` (a name in ``VAULT_BACKENDS``;
    the vault app owns the list, so the field has no fixed choices)."""
    return settings.VAULT_DEFAULT_BACKEND


class Genre(models.Model):
    name = models.CharField(max_length=64, unique=True)
    slug = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IssuedShortId(models.Model):
    """Every short id ever handed out. Rows are never deleted, so a deleted title's id is never
    given to another title (old links must not point at the wrong thing)."""

    short_id = models.CharField(max_length=7, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.short_id


# A title's read model and search text: what a list of other rows beside their titles never
# shows (its ``list_defer``).
TITLE_HEAVY = ("document", "card", "search_text", "overview", "genre_slugs", "ratings")


def title_heavy(via: str) -> tuple[str, ...]:
    """``TITLE_HEAVY`` reached through the relation ``via`` ("title", "series")."""
    return tuple(f"{via}__{name}" for name in TITLE_HEAVY)


class Title(models.Model):
    media_type = models.CharField(max_length=8, choices=MediaType.choices)
    tmdb_id = models.PositiveIntegerField(null=True, blank=True)
    imdb_id = models.CharField(
        "IMDb id", max_length=12, blank=True, default="", db_index=True, validators=[IMDB_ID]
    )
    short_id = models.CharField(max_length=7, unique=True, editable=False)
    title = models.CharField(max_length=300)
    clean_title = models.CharField(max_length=300, db_index=True, editable=False)
    # clean_title + genres + year: what full-text search reads (kept by the services).
    search_text = models.TextField(blank=True, default="", editable=False)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    genres = models.ManyToManyField(Genre, blank=True, related_name="titles")
    rating = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    # Other sites' scores as OMDb reports them: [{"source": "Rotten Tomatoes", "value": "87%"}].
    ratings = models.JSONField(default=list, blank=True)
    overview = models.TextField(blank=True, default="")
    content_rating = models.CharField(
        max_length=4, choices=ContentRating.choices, default=ContentRating.SAFE
    )
    status = models.CharField(
        max_length=12, choices=TitleStatus.choices, default=TitleStatus.PROCESSING
    )
    series_status = models.CharField(
        max_length=8, choices=SeriesStatus.choices, blank=True, default=""
    )
    read_direction = models.CharField(
        max_length=3, choices=ReadDirection.choices, blank=True, default=""
    )
    # Indexed: /api/img/<ref> checks that a ref is a catalog image before serving it.
    poster = models.CharField(
        max_length=500, blank=True, default="", db_index=True, help_text="Vault ref or URL"
    )
    backdrop = models.CharField(
        max_length=500, blank=True, default="", db_index=True, help_text="Vault ref or URL"
    )
    # An editor's intro timing, published instead of the viewers' median (both or neither).
    intro_start = models.PositiveIntegerField(null=True, blank=True, help_text="Pinned, seconds")
    intro_end = models.PositiveIntegerField(null=True, blank=True, help_text="Pinned, seconds")
    views = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The materialized read model (docs/design.md): the whole frontend document, and the list card.
    document = models.JSONField(default=dict, blank=True, editable=False)
    card = models.JSONField(default=dict, blank=True, editable=False)
    # For a site's catalog policy (``catalog.policy``) without a join: the genres' slugs
    # (refreshed with the document), and whether a copyright complaint is open on the title.
    genre_slugs = models.JSONField(default=list, blank=True, editable=False)
    copyright_hold = models.BooleanField(default=False, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["media_type", "tmdb_id"], name="title_unique_tmdb_per_media_type"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "media_type"], name="title_status_type_idx"),
            models.Index(fields=["rating"], name="title_rating_idx"),
            models.Index(fields=["views"], name="title_views_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def clean(self) -> None:
        errors = {}
        if self.media_type == MediaType.MANGA and self.tmdb_id is not None:
            errors["tmdb_id"] = "Manga titles have no TMDB id."
        if self.media_type != MediaType.SERIES and self.series_status:
            errors["series_status"] = "Only series have a series status."
        if self.media_type != MediaType.MANGA and self.read_direction:
            errors["read_direction"] = "Only manga have a read direction."
        errors.update(intro_pin_errors(self.intro_start, self.intro_end))
        if errors:
            raise ValidationError(errors)


class Episode(models.Model):
    series = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="episodes")
    season = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=300, blank=True, default="")
    air_date = models.DateField(null=True, blank=True)
    intro_start = models.PositiveIntegerField(null=True, blank=True, help_text="Pinned, seconds")
    intro_end = models.PositiveIntegerField(null=True, blank=True, help_text="Pinned, seconds")
    # A multi-episode file (S01E01E02): the later episodes play the first one's files.
    part_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Its picture is in this episode's files (a file that holds several)",
    )

    class Meta:
        ordering = ["season", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "season", "number"], name="episode_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"S{self.season:02d}E{self.number:02d} {self.name}".strip()

    def clean(self) -> None:
        errors = intro_pin_errors(self.intro_start, self.intro_end)
        if errors:
            raise ValidationError(errors)


class VaultRef(models.Model):
    """Where a stored object lives: its backend and the backend's opaque reference."""

    backend = models.CharField(
        max_length=10, default=default_backend, help_text="A name in settings.VAULT_BACKENDS"
    )
    ref = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        abstract = True


class MediaFile(VaultRef):
    """One quality bucket of a movie or of an episode."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="files")
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="files", null=True, blank=True
    )
    quality = models.CharField(max_length=10, help_text="2160p, 1080p, 720p, 480p …")
    label = models.CharField(max_length=100, blank=True, default="")
    size_bytes = models.PositiveBigIntegerField(default=0)
    file_hash = models.CharField(max_length=64, unique=True, help_text="The streaming cache key")
    # Telegram location: chat_id, message_id, media_id, access_hash, file_reference, dc_id.
    tg_raw = models.JSONField(default=dict, blank=True)
    container = models.CharField(max_length=20, blank=True, default="")
    video_codec = models.CharField(max_length=20, blank=True, default="")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds")
    bitrate = models.PositiveBigIntegerField(null=True, blank=True)
    hdr = models.BooleanField(default=False)
    audio_langs = models.JSONField(default=list, blank=True)
    audio_codec = models.CharField(max_length=20, blank=True, default="", help_text="First track")
    # What a browser plays (media.playable): "direct" (this file), or a rendition made by
    # "remux", "audio" or "transcode" — ready once playable_hash is set; "" not decided yet;
    # "failed" when ffmpeg could not make it (the player falls back to this file).
    playable = models.CharField(max_length=10, blank=True, default="")
    playable_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    playable_ref = models.CharField(max_length=500, blank=True, default="", help_text="Tagged")
    playable_size = models.PositiveBigIntegerField(default=0)
    backup_url = models.URLField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=12, choices=FileStatus.choices, default=FileStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["title", "episode"], name="mediafile_title_episode_idx")]

    def __str__(self) -> str:
        return f"{self.quality} {self.file_hash[:12]}"


class SubtitleTrack(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        IMAGE = "image", "Image"

    media_file = models.ForeignKey(MediaFile, on_delete=models.CASCADE, related_name="subtitles")
    stream_index = models.PositiveSmallIntegerField(help_text="ffmpeg stream number (0:N)")
    lang = models.CharField(max_length=3, help_text="ISO 639-2")
    label = models.CharField(max_length=100, blank=True, default="")
    codec = models.CharField(max_length=30, blank=True, default="")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.TEXT)
    vtt_ref = models.CharField(max_length=500, blank=True, default="", help_text="Vault ref")

    class Meta:
        ordering = ["stream_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["media_file", "stream_index"], name="subtitle_unique_stream"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.stream_index} {self.lang}"


class Link(models.Model):
    url = models.URLField(max_length=500)
    host = models.CharField(max_length=100)
    status = models.CharField(max_length=6, choices=LinkStatus.choices, default=LinkStatus.ACTIVE)
    last_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.host}: {self.url}"


class Embed(Link):
    media_file = models.ForeignKey(MediaFile, on_delete=models.CASCADE, related_name="embeds")
    priority = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["priority", "id"]


class DownloadMirror(Link):
    media_file = models.ForeignKey(MediaFile, on_delete=models.CASCADE, related_name="mirrors")
    icon = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "last_checked_at"], name="mirror_check_idx")]


class SeasonPack(VaultRef):
    series = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="season_packs")
    season = models.PositiveSmallIntegerField()
    size_bytes = models.PositiveBigIntegerField(default=0)
    episodes = models.JSONField(default=list, blank=True, help_text="Episode numbers it holds")
    # What it was built from (``ingest.packs``): a rebuild is due when the files differ.
    fingerprint = models.CharField(max_length=40, blank=True, default="", editable=False)

    class Meta:
        ordering = ["season"]
        constraints = [
            models.UniqueConstraint(fields=["series", "season"], name="seasonpack_unique_season"),
        ]

    def __str__(self) -> str:
        return f"Season {self.season} pack"


class Chapter(VaultRef):
    manga = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="chapters")
    number = models.DecimalField(max_digits=7, decimal_places=2)
    name = models.CharField(max_length=300, blank=True, default="")
    page_count = models.PositiveIntegerField(default=0)
    # Stored page index: [{"name", "size", "width", "height"}] in reading order.
    pages = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["manga", "number"], name="chapter_unique_number"),
        ]

    def __str__(self) -> str:
        return f"Chapter {self.number.normalize():f}"


class Screenshot(VaultRef):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="screenshots")
    media_file = models.ForeignKey(
        MediaFile, on_delete=models.CASCADE, related_name="screenshots", null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(help_text="Percent of the duration")

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["ref"], name="screenshot_ref_idx")]

    def __str__(self) -> str:
        return f"{self.position}% {self.ref}"


class IntroVote(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="intro_votes")
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="intro_votes", null=True, blank=True
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    start = models.PositiveIntegerField(help_text="Seconds")
    end = models.PositiveIntegerField(help_text="Seconds")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["title", "user"],
                condition=Q(episode__isnull=True),
                name="introvote_one_per_title",
            ),
            models.UniqueConstraint(
                fields=["episode", "user"],
                condition=Q(episode__isnull=False),
                name="introvote_one_per_episode",
            ),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="introvote_order"),
        ]

    def __str__(self) -> str:
        return f"{self.start}-{self.end}s"


class ChapterPack(VaultRef):
    """A stored (not recompressed) zip of several chapters' CBZ files, for download: the
    manga side of the dual path, as SeasonPack is for series."""

    manga = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="chapter_packs")
    first = models.DecimalField(max_digits=7, decimal_places=2)
    last = models.DecimalField(max_digits=7, decimal_places=2)
    size_bytes = models.PositiveBigIntegerField(default=0)
    chapters = models.JSONField(default=list, blank=True, help_text="Chapter numbers it holds")
    # Set on the pack of every chapter that is kept built (``ingest.packs``): what it was built
    # from. Empty on a pack of a span an operator chose.
    fingerprint = models.CharField(max_length=40, blank=True, default="", editable=False)

    class Meta:
        ordering = ["first"]
        constraints = [
            models.UniqueConstraint(
                fields=["manga", "first", "last"], name="chapterpack_unique_span"
            ),
        ]

    def __str__(self) -> str:
        return f"Chapters {self.first.normalize():f}-{self.last.normalize():f} pack"
