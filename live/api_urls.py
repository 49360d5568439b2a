"""The live API's routes, mounted under ``/api/`` by ``streamvault.api``."""

from __future__ import annotations

from django.urls import path, re_path

from . import api, api_studio, images

STREAM = r"(?P<public_id>[A-Za-z0-9_-]{1,16})"

urlpatterns = [
    path("live/mature/", api.MatureView.as_view(), name="live-mature"),
    path("live/categories/", api.CategoriesView.as_view(), name="live-categories"),
    path("live/streams/", api.StreamsView.as_view(), name="live-streams"),
    path("live/streams/following/", api.FollowingView.as_view(), name="live-following"),
    re_path(rf"^live/streams/{STREAM}/$", api.StreamView.as_view(), name="live-stream"),
    re_path(rf"^live/streams/{STREAM}/like/$", api.StreamLikeView.as_view(), name="live-like"),
    re_path(rf"^live/streams/{STREAM}/share/$", api.StreamShareView.as_view(), name="live-share"),
    re_path(
        rf"^live/streams/{STREAM}/report/$", api.StreamReportView.as_view(), name="live-report"
    ),
    re_path(rf"^live/streams/{STREAM}/chat/$", api.ChatHistoryView.as_view(), name="live-chat"),
    path("live/creators/<int:creator_id>/", api.CreatorView.as_view(), name="live-creator"),
    path(
        "live/creators/<int:creator_id>/streams/",
        api.CreatorStreamsView.as_view(),
        name="live-creator-streams",
    ),
    path("live/creators/<int:creator_id>/follow/", api.FollowView.as_view(), name="live-follow"),
    path("live/studio/", api_studio.StudioChannelView.as_view(), name="live-studio"),
    path("live/studio/key/", api_studio.StudioKeyView.as_view(), name="live-studio-key"),
    path("live/studio/images/", api_studio.StudioImageView.as_view(), name="live-studio-images"),
    re_path(r"^live/img/(?P<ref>[^/]{1,300})$", images.image, name="live-image"),
    path(
        "live/studio/streams/", api_studio.StudioStreamsView.as_view(), name="live-studio-streams"
    ),
    re_path(
        rf"^live/studio/streams/{STREAM}/$",
        api_studio.StudioStreamView.as_view(),
        name="live-studio-stream",
    ),
]
