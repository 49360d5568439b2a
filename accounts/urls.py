from __future__ import annotations

from django.urls import path

from . import api, api_email, api_read, api_session, api_stream

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
    path("auth/email/register/", api_email.RegisterView.as_view(), name="auth-email-register"),
    path("auth/email/verify/", api_email.VerifyView.as_view(), name="auth-email-verify"),
    path("auth/email/login/", api_email.LoginView.as_view(), name="auth-email-login"),
    path("auth/email/reset/", api_email.ResetView.as_view(), name="auth-email-reset"),
    path(
        "auth/email/reset/confirm/",
        api_email.ResetConfirmView.as_view(),
        name="auth-email-reset-confirm",
    ),
    path("me/email/", api_email.MyEmailView.as_view(), name="me-email"),
    path("me/email/resend/", api_email.ResendView.as_view(), name="me-email-resend"),
    path("stream/heartbeat/", api_stream.StreamHeartbeatView.as_view(), name="stream-heartbeat"),
    path("stream/<str:file_hash>/", api_stream.StreamView.as_view(), name="stream-authorize"),
    path("read/<int:chapter_id>/", api_read.ReadView.as_view(), name="read-authorize"),
]
