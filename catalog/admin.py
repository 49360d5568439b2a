"""The catalog console. Every save, delete and action goes through ``catalog.services``; after
an edit the title's document is rebuilt once, whatever the inlines changed."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from unfold.admin import TabularInline

from core.admin_audit import AuditedAdmin
from core.admin_filters import fixed_filter

from . import services
from .documents import QUALITY_ORDER, intro_timings
from .models import (
    TITLE_HEAVY,
    Chapter,
    DownloadMirror,
    Embed,
    Episode,
    FileStatus,
    Genre,
    MediaFile,
    MediaType,
    Screenshot,
    SubtitleTrack,
    Title,
    TitleStatus,
    title_heavy,
)
from .tasks import documents_rebuild
from .text import size_human

# Links typed without a scheme are https (Django 6's default; silences its deprecation warning).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}

# Above this many titles, "rebuild document" goes to a Celery worker instead of the request.
REBUILD_INLINE_MAX = 50


def pretty_json(value) -> str:
    return format_html(
        '<pre style="max-height:40em;overflow:auto">{}</pre>',
        json.dumps(value, indent=2, ensure_ascii=False),
    )


@admin.register(Genre)
class GenreAdmin(AuditedAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


def image_preview(ref: str, height: int = 80) -> str:
    """A thumbnail through the vault's image endpoint; the bare ref when it is not a vault
    object (demo data, an outside URL)."""
    if ref.startswith(("http://", "https://")):
        url = ref
    else:
        try:
            url = reverse("vault-image", args=[ref])
        except NoReverseMatch:
            return ref or "—"
    return format_html('<img src="{}" alt="" style="height:{}px">', url, height)


class ScreenshotInline(TabularInline):
    model = Screenshot
    extra = 0
    fields = ("thumbnail", "position", "media_file", "backend", "ref")
    readonly_fields = fields
    can_delete = False
    max_num = 0  # screenshots come from ingest

    @admin.display(description="Screenshot")
    def thumbnail(self, obj: Screenshot) -> str:
        return image_preview(obj.ref)


class EpisodeInline(TabularInline):
    model = Episode
    extra = 0
    fields = ("season", "number", "name", "air_date", "intro_votes", "intro_start", "intro_end")
    readonly_fields = ("intro_votes",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("intro_votes")

    @admin.display(description="viewers' intro")
    def intro_votes(self, obj: Episode) -> str:
        return intro_summary(list(obj.intro_votes.all()))


def intro_summary(votes: list) -> str:
    """What the viewers voted and what of it is published (the median, when enough agree)."""
    if not votes:
        return "no votes"
    published = intro_timings(votes)
    shown = f"{published['start']} to {published['end']} s" if published else "not published"
    return f"{len(votes)} votes; median {shown}" + (
        f" ({published['votes']} agree)" if published else ""
    )


class ChapterInline(TabularInline):
    model = Chapter
    extra = 0
    fields = ("number", "name", "page_count", "backend", "ref")
    readonly_fields = ("page_count", "backend", "ref")
    show_change_link = True


class MediaFileInline(TabularInline):
    model = MediaFile
    fk_name = "title"
    extra = 0
    fields = ("quality", "label", "size_bytes", "file_hash", "status")
    readonly_fields = ("size_bytes", "file_hash")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).filter(episode__isnull=True)

    def has_add_permission(self, request, obj=None):
        return False  # files come from ingest (bytes must exist in the vault)


def _set_title_status(status: str):
    @admin.action(permissions=["change"], description=f"Mark selected titles {status}")
    def action(modeladmin, request, queryset):
        changed = 0
        for title in queryset:
            try:
                changed += services.title_status_change(
                    title=title, status=status, actor=request.user
                )
            except ValidationError as exc:
                modeladmin.message_user(request, "; ".join(exc.messages), messages.ERROR)
        modeladmin.message_user(request, f"{changed} title(s) marked {status}.")

    action.__name__ = f"mark_{status}"
    return action


@admin.register(Title)
class TitleAdmin(AuditedAdmin):
    ordering = ("-id",)  # newest first (the primary key: no sort of every title per page)
    list_defer = TITLE_HEAVY
    show_full_result_count = False  # no second count of the whole table on every page
    list_display = (
        "title",
        "media_type",
        "year",
        "status",
        "content_rating",
        "rating",
        "short_id",
        "updated_at",
    )
    list_filter = ("media_type", "status", "genres", "year", "content_rating")
    search_fields = ("title", "clean_title", "=short_id", "=tmdb_id", "=imdb_id")
    autocomplete_fields = ("genres",)
    readonly_fields = (
        "short_id",
        "clean_title",
        "status",
        "views",
        "created_at",
        "updated_at",
        "document_pretty",
        "poster_preview",
        "intro_votes_summary",
        "ratings_line",
    )
    fieldsets = (
        (
            None,
            {"fields": ("media_type", "title", "year", "tmdb_id", "imdb_id", "genres", "status")},
        ),
        (
            "Details",
            {
                "fields": (
                    "rating",
                    "ratings_line",
                    "overview",
                    "content_rating",
                    "series_status",
                    "read_direction",
                    "poster",
                    "poster_preview",
                    "backdrop",
                )
            },
        ),
        (
            "Intro (an editor's pin is published instead of the viewers' median)",
            {"fields": ("intro_votes_summary", "intro_start", "intro_end")},
        ),
        (
            "Read model",
            {
                "classes": ("collapse",),
                "fields": (
                    "short_id",
                    "clean_title",
                    "views",
                    "created_at",
                    "updated_at",
                    "document_pretty",
                ),
            },
        ),
    )
    actions = [
        _set_title_status(TitleStatus.AVAILABLE),
        _set_title_status(TitleStatus.PROCESSING),
        _set_title_status(TitleStatus.REPAIRING),
        "rebuild_documents",
    ]
    list_per_page = 50

    @admin.display(description="Document")
    def document_pretty(self, obj: Title) -> str:
        return pretty_json(obj.document)

    @admin.display(description="Other sites' scores")
    def ratings_line(self, obj: Title) -> str:
        return " · ".join(f"{r['source']} {r['value']}" for r in obj.ratings) or "—"

    @admin.display(description="Poster preview")
    def poster_preview(self, obj: Title) -> str:
        return image_preview(obj.poster, height=160) if obj.poster else "—"

    def get_readonly_fields(self, request, obj=None):
        fields = self.readonly_fields
        return (*fields, "media_type") if obj else fields

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return {
            MediaType.MOVIE: [MediaFileInline, ScreenshotInline],
            MediaType.SERIES: [EpisodeInline, ScreenshotInline],
            MediaType.MANGA: [ChapterInline],
        }[obj.media_type]

    def save_model(self, request, obj, form, change):
        fields = {f: getattr(obj, f) for f in services.TITLE_EDITABLE_FIELDS}
        if change:
            services.title_edit(title=obj, data=fields, actor=request.user)
            return
        created = services.title_create(
            media_type=obj.media_type,
            genres=[g.name for g in form.cleaned_data.get("genres", [])],
            **fields,
        )
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False  # the inlines and the final title_update see a saved row

    def save_formset(self, request, form, formset, change):
        # An episode's pinned intro is an editor's decision: through the audited service.
        if formset.model is Episode:
            for episode_form in formset.forms:
                changed = {"intro_start", "intro_end"} & set(episode_form.changed_data)
                if episode_form.instance.pk and changed and episode_form.is_valid():
                    services.intro_pin(
                        title=form.instance,
                        episode=episode_form.instance,
                        start=episode_form.cleaned_data.get("intro_start"),
                        end=episode_form.cleaned_data.get("intro_end"),
                        actor=request.user,
                    )
        super().save_formset(request, form, formset, change)

    @admin.display(description="viewers' intro")
    def intro_votes_summary(self, obj: Title) -> str:
        return intro_summary(list(obj.intro_votes.filter(episode__isnull=True)))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Genres and inline rows were saved by the forms: recompute search text and document.
        services.title_update(title=form.instance)

    def delete_model(self, request, obj):
        services.title_remove(title=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for title in queryset:
            services.title_remove(title=title, actor=request.user)

    @admin.action(description="Rebuild document of selected titles", permissions=["change"])
    def rebuild_documents(self, request, queryset):
        ids = list(queryset.values_list("id", flat=True))
        if len(ids) <= REBUILD_INLINE_MAX:
            services.title_documents_rebuild(title_ids=ids)
            self.message_user(request, f"Rebuilt {len(ids)} document(s).")
        else:
            transaction.on_commit(lambda: documents_rebuild.delay(ids))
            self.message_user(
                request, f"Rebuilding {len(ids)} documents in the background.", messages.INFO
            )


class SubtitleTrackInline(TabularInline):
    model = SubtitleTrack
    extra = 0
    fields = ("stream_index", "lang", "label", "codec", "kind", "vtt_ref")
    readonly_fields = ("vtt_ref",)


class EmbedInline(TabularInline):
    formfield_overrides = URL_FIELDS
    model = Embed
    extra = 0
    fields = ("host", "url", "priority", "status", "last_checked_at")
    readonly_fields = ("last_checked_at",)


class DownloadMirrorInline(TabularInline):
    formfield_overrides = URL_FIELDS
    model = DownloadMirror
    extra = 0
    fields = ("host", "url", "icon", "status", "last_checked_at")
    readonly_fields = ("last_checked_at",)


def _set_file_status(status: str):
    @admin.action(permissions=["change"], description=f"Mark selected files {status}")
    def action(modeladmin, request, queryset):
        changed = sum(
            services.media_file_status_change(media_file=f, status=status, actor=request.user)
            for f in queryset
        )
        modeladmin.message_user(request, f"{changed} file(s) marked {status}.")

    action.__name__ = f"mark_{status}"
    return action


@admin.register(MediaFile)
class MediaFileAdmin(AuditedAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ("file_hash_short", "title", "episode", "quality", "size", "status", "backend")
    list_select_related = ("title", "episode")
    list_defer = ("tg_raw", *title_heavy("title"))
    show_full_result_count = False  # no second count of the whole table on every page
    list_filter = (
        "status",
        fixed_filter("quality", "quality", lambda: QUALITY_ORDER),
        fixed_filter("backend", "backend", lambda: list(settings.VAULT_BACKENDS)),
        "title__media_type",
    )
    search_fields = ("=file_hash", "title__title", "label")
    autocomplete_fields = ("title", "episode")
    readonly_fields = (
        "file_hash",
        "size_bytes",
        "backend",
        "ref",
        "container",
        "video_codec",
        "width",
        "height",
        "duration",
        "bitrate",
        "hdr",
        "audio_langs",
        "created_at",
    )
    fields = ("title", "episode", "quality", "label", "status", "backup_url", *readonly_fields)
    inlines = [SubtitleTrackInline, EmbedInline, DownloadMirrorInline]
    actions = [_set_file_status(FileStatus.ACTIVE), _set_file_status(FileStatus.DEAD)]
    list_per_page = 50

    @admin.display(description="Hash", ordering="file_hash")
    def file_hash_short(self, obj: MediaFile) -> str:
        return obj.file_hash[:16]

    @admin.display(description="Size", ordering="size_bytes")
    def size(self, obj: MediaFile) -> str:
        return size_human(obj.size_bytes)

    def has_add_permission(self, request):
        return False  # files come from ingest: their bytes must be in the vault

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.title_documents_rebuild(title_ids=[form.instance.title_id])

    def delete_model(self, request, obj):
        services.media_file_remove(media_file=obj)

    def delete_queryset(self, request, queryset):
        for media_file in queryset:
            services.media_file_remove(media_file=media_file)


class EpisodeFileInline(MediaFileInline):
    fk_name = "episode"

    def get_queryset(self, request):
        return TabularInline.get_queryset(self, request)


@admin.register(Episode)
class EpisodeAdmin(AuditedAdmin):
    list_display = ("__str__", "series", "season", "number", "air_date")
    list_select_related = ("series",)
    list_defer = title_heavy("series")
    # Series by series, in order: the unique index's order, so no sort of every episode.
    ordering = ("series_id", "season", "number")
    # The seasons a list is filtered by in practice, without a DISTINCT over every episode.
    list_filter = (fixed_filter("season", "season", lambda: [str(n) for n in range(1, 21)]),)
    show_full_result_count = False  # no second count of the whole table on every page
    search_fields = ("series__title", "name")
    autocomplete_fields = ("series",)
    inlines = [EpisodeFileInline]
    list_per_page = 50

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.title_documents_rebuild(title_ids=[form.instance.series_id])

    def delete_model(self, request, obj):
        services.episode_remove(episode=obj)

    def delete_queryset(self, request, queryset):
        for episode in queryset:
            services.episode_remove(episode=episode)


@admin.register(Chapter)
class ChapterAdmin(AuditedAdmin):
    list_display = ("__str__", "manga", "name", "page_count", "backend")
    list_select_related = ("manga",)
    list_defer = title_heavy("manga")
    search_fields = ("manga__title", "name")
    autocomplete_fields = ("manga",)
    readonly_fields = ("page_count", "backend", "ref", "pages_pretty", "created_at")
    exclude = ("pages",)
    list_per_page = 50

    @admin.display(description="Page index")
    def pages_pretty(self, obj: Chapter) -> str:
        return pretty_json(obj.pages)

    def has_add_permission(self, request):
        return False  # chapters come from ingest (CBZ or image folder)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.title_documents_rebuild(title_ids=[obj.manga_id])

    def delete_model(self, request, obj):
        services.chapter_remove(chapter=obj)

    def delete_queryset(self, request, queryset):
        for chapter in queryset:
            services.chapter_remove(chapter=chapter)
