from __future__ import annotations

from django.urls import path

from . import api, api_read, api_session, api_stream

urlpatterns = [
    path("session/", api_session.SessionView.as_view(), name="session"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/history/", api.HistoryView.as_view(), name="me-history"),
    path("me/progress/<str:short_id>/", api.ProgressView.as_view(), name="me-progress"),
    path("me/wishlist/", api.WishlistView.as_view(), name="me-wishlist"),
    path("me/wishlist/<int:entry_id>/", api.WishlistEntryView.as_view(), name="me-wishlist-entry"),
    path("me/device/reset/", api.DeviceResetView.as_view(), name="me-device-reset"),
    path("me/logout-everywhere/", api.LogoutEverywhereView.as_view(), name="me-logout-everywhere"),
    path("auth/telegram/", api.TelegramLoginView.as_view(), name="auth-telegram"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("stream/heartbeat/", api_stream.StreamHeartbeatView.as_view(), name="stream-heartbeat"),
    path("stream/<str:file_hash>/", api_stream.StreamView.as_view(), name="stream-authorize"),
    path("read/<int:chapter_id>/", api_read.ReadView.as_view(), name="read-authorize"),
]
