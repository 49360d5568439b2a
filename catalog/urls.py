from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("titles/", api.TitleListView.as_view(), name="title-list"),
    path("titles/<str:short_id>/", api.TitleDetailView.as_view(), name="title-detail"),
    path("genres/", api.GenreListView.as_view(), name="genre-list"),
]
