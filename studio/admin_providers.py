"""The admin of what the providers left: fal's requests (state, queue position, result or
error, the webhook's arrival) and media embeddings (model, dimensions; the vector is not
shown). Both are written by the system and read-only here."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdmin, pretty_json

from .models import Embedding, FalRequest


@admin.register(FalRequest)
class FalRequestAdmin(ReadOnlyAdmin):
    list_display = ["request_id", "model", "key", "state", "queue_position", "task", "created_at"]
    list_filter = ["state", "model"]
    search_fields = ["request_id", "key"]
    list_select_related = ["task"]
    readonly_fields = ["result_pretty"]
    exclude = ["result"]

    @admin.display(description="result")
    def result_pretty(self, obj: FalRequest) -> str:
        return pretty_json(obj.result)


@admin.register(Embedding)
class EmbeddingAdmin(ReadOnlyAdmin):
    list_display = ["media", "model", "dimensions", "created_at"]
    list_filter = ["model", "dimensions"]
    search_fields = ["media__filename", "media__description"]
    list_select_related = ["media"]
    exclude = ["vector", "source"]
