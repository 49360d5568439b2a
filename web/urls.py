"""The site's pages, mounted at the root by streamvault/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="web-home"),
    path("search/", views.search, name="web-search"),
    path("title/<str:short_id>/", views.title, name="web-title"),
    path("watch/<str:short_id>/", views.watch, name="web-watch"),
    path("read/<str:short_id>/<int:chapter_id>/", views.read, name="web-read"),
    path("account/", views.account, name="web-account"),
    path("site.css", views.site_css, name="web-site-css"),
]
