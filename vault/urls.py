"""Vault endpoints under /api/ (the /s/ stream route lives in streamvault/urls.py)."""

from __future__ import annotations

from django.urls import path, re_path

from vault import views

urlpatterns = [
    re_path(
        r"^subs/(?P<file_hash>[0-9a-f]{64})/(?P<key>[A-Za-z0-9-]{1,16})\.vtt$",
        views.subtitle_vtt,
        name="subtitle-vtt",
    ),
    path("read/<int:chapter_id>/<int:page>", views.read_page, name="read-page"),
    re_path(
        r"^img/(?P<ref>[^/]{1,300})$",  # any ref: the view says 404 for what it does not know
        views.image,
        name="vault-image",
    ),
]
