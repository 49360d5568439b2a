"""Admin for the vault's safety records: blocked hashes (with the attempts that hit them) and
admin alerts. Blocked hashes are added through ``blocked_hash_add``; attempts and alerts are
written by ingest and the swarm, so they are read-only here."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin
from django.db.models import Count

from streamvault.admin import ReadOnlyAdmin

from .media.ingest import blocked_hash_add
from .models import AdminAlert, BlockedAttempt, BlockedHash


class BlockedAttemptInline(admin.TabularInline):
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


@admin.register(BlockedHash)
class BlockedHashAdmin(admin.ModelAdmin):
    form = BlockedHashForm
    list_display = ("sha256", "reason", "attempt_count", "created_at")
    search_fields = ("=sha256", "reason")
    date_hierarchy = "created_at"
    fields = ("sha256", "reason", "created_at")
    readonly_fields = ("created_at",)
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

    def save_model(self, request, obj, form, change):
        saved = blocked_hash_add(sha256=obj.sha256, reason=obj.reason)
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(BlockedAttempt)
class BlockedAttemptAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "blocked", "source", "size_bytes")
    list_select_related = ("blocked",)
    search_fields = ("=blocked__sha256", "source")
    date_hierarchy = "created_at"
    list_per_page = 50


@admin.register(AdminAlert)
class AdminAlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "message", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("message",)
    date_hierarchy = "created_at"
    list_per_page = 50
