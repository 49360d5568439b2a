"""Browser login routes, mounted at ``/auth/`` by streamvault/urls.py."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("magic", views.magic_login, name="auth-magic"),
    path("telegram", views.telegram_login, name="auth-telegram-redirect"),
]
