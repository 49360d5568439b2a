"""The API's URL tree: every app's ``urls.py`` under ``/api/``, plus the OpenAPI schema."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny, IsAdminUser

from .errors import page_not_found

DOCS = [AllowAny] if settings.API_DOCS_PUBLIC else [IsAdminUser]
_SCHEMA_LOCK = threading.Lock()


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, made by one thread at a time: drf-spectacular loads its extensions
    lazily and not thread-safely, so the first requests of a process, at once, crashed."""

    def _get_schema_response(self, request: Any) -> Any:
        with _SCHEMA_LOCK:
            return super()._get_schema_response(request)


urlpatterns = [
    path("", include("catalog.urls")),
    path("", include("accounts.urls")),
    path("", include("vault.urls")),
    path("", include("ingest.urls")),
    path("", include("medic.urls")),
    path("", include("community.urls")),
    path("", include("live.api_urls")),
    path("", include("studio.urls")),
    path("", include("tenants.urls")),
    path("schema/", SchemaView.as_view(permission_classes=DOCS), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="schema", permission_classes=DOCS),
        name="swagger-ui",
    ),
    # Anything else under /api/ is a JSON 404, in DEBUG too.
    re_path(r"^", page_not_found),
]
