"""The site's pages, mounted at the root by streamvault/urls.py."""

from __future__ import annotations

from django.urls import path, re_path

from . import live_views, producer_views, views

urlpatterns = [
    path("", views.home, name="web-home"),
    path("search/", views.search, name="web-search"),
    path("title/<str:short_id>/", views.title, name="web-title"),
    path("watch/<str:short_id>/", views.watch, name="web-watch"),
    path("read/<str:short_id>/<int:chapter_id>/", views.read, name="web-read"),
    path("account/", views.account, name="web-account"),
    path("site.css", views.site_css, name="web-site-css"),
    re_path(r"^avatar/(?P<seed>[A-Za-z0-9_-]{1,32})\.svg$", views.avatar, name="web-avatar"),
    path("live/", live_views.directory, name="web-live"),
    path("live/studio/", live_views.studio, name="web-studio"),
    path("live/channel/<int:creator_id>/", live_views.creator, name="web-live-creator"),
    re_path(
        r"^live/(?P<public_id>[A-Za-z0-9_-]{1,16})$", live_views.stream, name="web-live-stream"
    ),
    path("studio/", producer_views.home, name="web-producer"),
    path("studio/projects/<int:pk>/", producer_views.project, name="web-producer-project"),
    path("studio/projects/<int:pk>/session/", producer_views.session, name="web-producer-session"),
    path("studio/episodes/<int:pk>/", producer_views.episode, name="web-producer-episode"),
    path("studio/prompts/", producer_views.prompts, name="web-producer-prompts"),
    path("pages/privacy/", live_views.page, {"which": "privacy"}, name="web-privacy"),
    path("pages/terms/", live_views.page, {"which": "terms"}, name="web-terms"),
]
