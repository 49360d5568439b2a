"""Admin for ingest's records: blocked hashes (with the attempts that hit them) and crowdsourced
submissions; and the catalog title list's "Re-match metadata" and "Build download packs"
actions. Blocked hashes are added through ``blocked_hash_add``; attempts are written by ingest,
so they are read-only here."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.admin import TabularInline

from catalog.models import MediaFile, Title
from core.admin import ReadOnlyAdmin
from core.admin_audit import AuditedAdmin
from ingest import submissions
from ingest.blocked import blocked_hash_add, blocked_hash_remove
from ingest.blocked_lists import MAX_SOURCE, blocked_list_import
from ingest.models import BlockedAttempt, BlockedHash, Submission, SubmissionStatus
from ingest.packs_auto import packs_schedule_all
from ingest.pipeline import ingest_url_create
from ingest.rematch import title_rematch
from ingest.renditions import rendition_create
from ingest.torrents import torrent_link_error
from jobs.engine import TransientError
from jobs.models import Job


class BlockedAttemptInline(TabularInline):
    model = BlockedAttempt
    extra = 0
    fields = ("created_at", "source", "size_bytes")
    readonly_fields = fields
    can_delete = False
    max_num = 0
    ordering = ("-created_at",)


class BlockedHashForm(forms.ModelForm):
    class Meta:
        model = BlockedHash
        fields = ("sha256", "reason")

    def clean_sha256(self) -> str:
        value = self.cleaned_data["sha256"].strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", value):
            raise forms.ValidationError("A SHA-256 is 64 hexadecimal characters.")
        return value


class BlockedListForm(forms.Form):
    source = forms.CharField(
        max_length=MAX_SOURCE, help_text="Where the list comes from (a partner, a case number)"
    )
    reason = forms.CharField(
        max_length=300, required=False, help_text="For lines that give none of their own"
    )
    file = forms.FileField(
        required=False, help_text="Text (one SHA-256 per line) or CSV (sha256,reason)"
    )
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8}), help_text="Or paste the list"
    )

    MAX_BYTES = 100 * 1024 * 1024

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise ValidationError("The list is larger than 100 MB.")
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError("The file is not UTF-8 text.") from None
        if not (data.get("text") or "").strip():
            raise ValidationError("Give a file or paste the list.")
        return data


@admin.register(BlockedHash)
class BlockedHashAdmin(AuditedAdmin):
    form = BlockedHashForm
    change_list_template = "admin/ingest/blockedhash/change_list.html"
    list_display = ("sha256", "reason", "source", "attempt_count", "created_at")
    list_filter = ("source",)
    search_fields = ("=sha256", "reason", "source")
    date_hierarchy = "created_at"
    fields = ("sha256", "reason", "source", "created_at")
    readonly_fields = ("created_at", "source")
    inlines = [BlockedAttemptInline]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(attempt_total=Count("attempts"))

    @admin.display(description="Attempts", ordering="attempt_total")
    def attempt_count(self, obj: BlockedHash) -> int:
        return obj.attempt_total

    def get_readonly_fields(self, request, obj=None):
        # The hash is the identity of the block: to block another file, add another row.
        return (*self.readonly_fields, "sha256") if obj else self.readonly_fields

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="ingest_blockedhash_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BlockedListForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                report = blocked_list_import(
                    text=data["text"], source=data["source"], reason=data["reason"],
                    actor=request.user,
                )  # fmt: skip
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                level = messages.WARNING if report.bad else messages.SUCCESS
                self.message_user(request, f"Imported: {report.words()}.", level)
                return HttpResponseRedirect(reverse("admin:ingest_blockedhash_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a list of blocked hashes",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/ingest/blockedhash/import.html", context)

    def save_model(self, request, obj, form, change):
        saved = blocked_hash_add(sha256=obj.sha256, reason=obj.reason, actor=request.user)
        obj.pk = saved.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        blocked_hash_remove(blocked=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for blocked in queryset:
            blocked_hash_remove(blocked=blocked, actor=request.user)


@admin.register(BlockedAttempt)
class BlockedAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "blocked", "source", "size_bytes")
    list_select_related = ("blocked",)
    search_fields = ("=blocked__sha256", "source")
    date_hierarchy = "created_at"
    list_per_page = 50


class IngestUrlForm(forms.Form):
    url = forms.CharField(
        max_length=1000, help_text="A link to a file, a .torrent file, or a magnet link"
    )
    title_hint = forms.CharField(
        max_length=200, required=False, help_text="Optional: the title, if the file name is junk"
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url.startswith("magnet:"):
            problem = torrent_link_error(url)
            if problem:
                raise ValidationError(problem)
            return url
        return forms.URLField(assume_scheme="https").clean(url)


# --- submissions ------------------------------------------------------------------------------


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Submission)
class SubmissionAdmin(AuditedAdmin):
    list_display = ["id", "url", "title_hint", "user", "status", "created_at", "reviewed_by"]
    list_filter = ["status"]
    search_fields = ["url", "title_hint", "user__username"]
    list_select_related = ["user", "reviewed_by"]
    readonly_fields = [
        "user",
        "url",
        "title_hint",
        "status",
        "reject_reason",
        "job",
        "reviewed_by",
        "reviewed_at",
        "notified_at",
        "created_at",
    ]
    fields = readonly_fields
    actions = ["approve", "reject"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Approve (start an ingest job)", permissions=["change"])
    def approve(self, request, queryset) -> None:
        n = sum(
            submissions.submission_approve(submission=s, actor=request.user)
            for s in queryset.filter(status=SubmissionStatus.PENDING)
        )
        self.message_user(request, f"Approved {n} submission(s).")

    @admin.action(description="Reject with a reason…", permissions=["change"])
    def reject(self, request, queryset):
        pending = queryset.filter(status=SubmissionStatus.PENDING)
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            n = 0
            for submission in pending:
                try:
                    n += submissions.submission_reject(
                        submission=submission,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except ValidationError as exc:
                    self.message_user(request, "; ".join(exc.messages), messages.ERROR)
                    return None
            self.message_user(request, f"Rejected {n} submission(s).")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject submissions",
            "form": form,
            "submissions": pending,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/ingest/submission/reject.html", context)

    def get_urls(self):
        return [
            path(
                "ingest-url/",
                self.admin_site.admin_view(self.ingest_url_view),
                name="ingest_ingest_url",
            ),
            *super().get_urls(),
        ]

    def ingest_url_view(self, request: HttpRequest):
        if not request.user.has_perm("jobs.add_job"):
            raise PermissionDenied
        form = IngestUrlForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            job = ingest_url_create(
                url=form.cleaned_data["url"],
                title_hint=form.cleaned_data["title_hint"],
                created_by=request.user,
            )
            self.message_user(request, f"Job #{job.pk} queued: watch its progress here.")
            return HttpResponseRedirect(reverse("admin:jobs_job_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Ingest a URL",
            "form": form,
            "opts": Job._meta,
        }
        return TemplateResponse(request, "admin/ingest/ingest_url.html", context)


# --- "Re-match metadata" on the catalog's title list ----------------------------------------

REMATCH_MAX = 20  # each title is a few calls to TMDB and OMDb, made in the request


@admin.action(description="Re-match metadata (TMDB, then OMDb)", permissions=["change"])
def rematch_metadata(modeladmin, request, queryset):
    """Fetch the selected titles' metadata and images again by the TMDB or IMDb id they hold
    (set one in the title's form first); each change is an audited ``title_edit``."""
    if queryset.count() > REMATCH_MAX:
        modeladmin.message_user(
            request, f"Pick at most {REMATCH_MAX} titles at a time.", messages.ERROR
        )
        return
    changed = 0
    for title in queryset:
        try:
            changed += title_rematch(title=title, actor=request.user)
        except ValidationError as exc:
            modeladmin.message_user(request, f"{title}: {' '.join(exc.messages)}", messages.ERROR)
        except TransientError as exc:
            modeladmin.message_user(request, f"{title}: {exc} — try again.", messages.WARNING)
    modeladmin.message_user(request, f"{changed} title(s) re-matched.")


@admin.action(description="Build download packs now", permissions=["change"])
def build_packs(modeladmin, request, queryset):
    """Queue the season packs (series) or the pack of every chapter (manga) of the selected
    titles at once, where their files changed since the last build (``ingest.packs_auto``)."""
    queued = []
    for title in queryset.exclude(media_type="movie"):
        queued += [
            f"{title}: {name}" for name in packs_schedule_all(title=title, created_by=request.user)
        ]
    if queued:
        modeladmin.message_user(request, "Queued: " + "; ".join(queued) + ".")
    else:
        modeladmin.message_user(
            request, "Every pack is up to date (movies have none).", messages.INFO
        )


@admin.action(description="Make browser-playable copies where missing", permissions=["change"])
def make_renditions(modeladmin, request, queryset):
    """Queue the rendition each selected file needs and lacks (one that failed before is tried
    again; a file a browser plays as it is needs none)."""
    queued = 0
    for media_file in queryset:
        try:
            queued += (
                rendition_create(media_file_id=media_file.pk, created_by=request.user) is not None
            )
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{media_file}: {' '.join(exc.messages)}", messages.ERROR
            )
    modeladmin.message_user(request, f"{queued} rendition job(s) queued or already under way.")


# The catalog's admins are registered before ours (INSTALLED_APPS order); the actions join
# their lists rather than second admins of the same models.
_title_admin = admin.site._registry.get(Title)
if _title_admin is not None:
    _title_admin.actions = [*(_title_admin.actions or []), rematch_metadata, build_packs]
_file_admin = admin.site._registry.get(MediaFile)
if _file_admin is not None:
    _file_admin.actions = [*(_file_admin.actions or []), make_renditions]
