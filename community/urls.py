from __future__ import annotations

from django.urls import path

from . import api, api_intro

urlpatterns = [
    path("comments/", api.CommentsView.as_view(), name="comments"),
    path("comments/settings/", api.SettingsView.as_view(), name="comments-settings"),
    path("comments/<int:comment_id>/", api.CommentView.as_view(), name="comment"),
    path("comments/<int:comment_id>/like/", api.LikeView.as_view(), name="comment-like"),
    path("comments/<int:comment_id>/flag/", api.FlagView.as_view(), name="comment-flag"),
    path("titles/<str:short_id>/intro/", api_intro.IntroVoteView.as_view(), name="intro-vote"),
    path(
        "titles/<str:short_id>/episodes/<int:season>/<int:number>/intro/",
        api_intro.IntroVoteView.as_view(),
        name="episode-intro-vote",
    ),
]
