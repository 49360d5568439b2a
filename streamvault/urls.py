from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from accounts import views as accounts_views
from live import hls as live_hls
from vault import views as vault_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/live/", include("live.urls")),  # nginx-rtmp's callbacks: not in the schema
    path("api/", include("streamvault.api")),
    path("auth/", include("accounts.auth_urls")),
    path("go/<int:link_id>", accounts_views.ad_click, name="ad-click"),
    re_path(r"^s/(?P<file_hash>[0-9a-f]{64})$", vault_views.stream, name="stream"),
    re_path(r"^live/hls/(?P<name>[^/]{1,40})$", live_hls.hls, name="live-hls"),
    path("", include("web.urls")),
]

handler404 = "streamvault.errors.page_not_found"
handler500 = "streamvault.errors.server_error"
