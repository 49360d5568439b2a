"""The live app's WebSocket routes (mounted by ``streamvault.asgi``)."""

from __future__ import annotations

from django.urls import re_path

from .consumers import ChatConsumer

websocket_urlpatterns = [
    re_path(r"^ws/live/(?P<public_id>[A-Za-z0-9_-]{1,16})/$", ChatConsumer.as_asgi()),
]
