"""Browser login routes, mounted at ``/auth/`` by streamvault/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("magic", views.magic_login, name="auth-magic"),
    path("telegram", views.telegram_login, name="auth-telegram-redirect"),
    path("email/verify/", views.email_verify, name="auth-email-verify-page"),
    path("email/reset/", views.email_reset, name="auth-email-reset-page"),
    path(
        "email/verify/<str:token>/",
        views.email_link,
        {"purpose": "verify"},
        name="auth-email-verify-link",
    ),
    path(
        "email/reset/<str:token>/",
        views.email_link,
        {"purpose": "reset"},
        name="auth-email-reset-link",
    ),
]
