from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("streamvault.api")),
]

handler404 = "streamvault.errors.page_not_found"
handler500 = "streamvault.errors.server_error"
