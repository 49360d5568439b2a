from __future__ import annotations

from django.urls import path

from . import rtmp

urlpatterns = [
    path("rtmp/publish", rtmp.on_publish, name="live-rtmp-publish"),
    path("rtmp/publish-done", rtmp.on_publish_done, name="live-rtmp-publish-done"),
    path("rtmp/record-done", rtmp.on_record_done, name="live-rtmp-record-done"),
]
