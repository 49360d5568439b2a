"""The studio's WebSocket routes (mounted by ``streamvault.asgi``)."""

from __future__ import annotations

from django.urls import re_path

from .consumers import ProgressConsumer

websocket_urlpatterns = [
    re_path(r"^ws/studio/projects/(?P<pk>[0-9]{1,18})/$", ProgressConsumer.as_asgi()),
]
