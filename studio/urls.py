"""The studio's routes, mounted under ``/api/`` by ``streamvault.api``."""

from __future__ import annotations

from django.urls import path, re_path

from . import bytes as media_bytes
from .api import content, projects, prompts, similar, takes, work

P = "studio/projects/<int:pk>"
urlpatterns = [
    path("studio/me/", projects.MeView.as_view(), name="studio-me"),
    path("studio/projects/", projects.ProjectsView.as_view(), name="studio-projects"),
    path(f"{P}/", projects.ProjectView.as_view(), name="studio-project"),
    path(f"{P}/collaborators/", projects.CollaboratorsView.as_view(), name="studio-collaborators"),
    path(
        f"{P}/collaborators/<int:user_id>/",
        projects.CollaboratorView.as_view(),
        name="studio-collaborator",
    ),
    path(f"{P}/costs/", projects.ProjectCostsView.as_view(), name="studio-project-costs"),
    path(f"{P}/continue/", projects.ProjectContinueView.as_view(), name="studio-project-continue"),
    path(f"{P}/episodes/", content.EpisodesView.as_view(), name="studio-episodes"),
    path(f"{P}/characters/", content.CharactersView.as_view(), name="studio-characters"),
    path(f"{P}/media/", work.MediaListView.as_view(), name="studio-media-list"),
    path(f"{P}/sessions/", work.SessionsView.as_view(), name="studio-sessions"),
    path(f"{P}/tasks/", work.TasksView.as_view(), name="studio-tasks"),
    path(f"{P}/progress/", work.ProgressView.as_view(), name="studio-progress"),
    path("studio/episodes/<int:pk>/", content.EpisodeView.as_view(), name="studio-episode"),
    path(
        "studio/episodes/<int:pk>/produce/",
        content.EpisodeProduceView.as_view(),
        name="studio-episode-produce",
    ),
    path(
        "studio/episodes/<int:pk>/estimate/",
        content.EpisodeEstimateView.as_view(),
        name="studio-episode-estimate",
    ),
    path(
        "studio/episodes/<int:pk>/publish/",
        content.EpisodePublishView.as_view(),
        name="studio-episode-publish",
    ),
    path("studio/episodes/<int:pk>/scenes/", content.ScenesView.as_view(), name="studio-scenes"),
    path(
        "studio/episodes/<int:pk>/scenes/reorder/",
        content.ScenesReorderView.as_view(),
        name="studio-scenes-reorder",
    ),
    path("studio/scenes/<int:pk>/", content.SceneView.as_view(), name="studio-scene"),
    path("studio/characters/<int:pk>/", content.CharacterView.as_view(), name="studio-character"),
    path(
        "studio/characters/<int:pk>/voice-sample/",
        content.VoiceSampleView.as_view(),
        name="studio-voice-sample",
    ),
    path("studio/scenes/<int:pk>/takes/", takes.TakesView.as_view(), name="studio-takes"),
    path(
        "studio/scenes/<int:pk>/panels/<int:panel>/regenerate/",
        takes.RegenerateView.as_view(),
        name="studio-panel-regenerate",
    ),
    path(
        "studio/scenes/<int:pk>/panels/<int:panel>/pick/",
        takes.PickView.as_view(),
        name="studio-panel-pick",
    ),
    path(
        "studio/characters/<int:pk>/relationships/<int:other>/",
        content.RelationshipView.as_view(),
        name="studio-relationship",
    ),
    path("studio/media/similar/", similar.SimilarMediaView.as_view(), name="studio-similar"),
    path("studio/fal/webhook/", similar.FalWebhookView.as_view(), name="studio-fal-webhook"),
    path("studio/media/<int:pk>/", work.MediaView.as_view(), name="studio-media"),
    path("studio/media/<int:pk>/bytes", media_bytes.media_bytes, name="studio-media-bytes"),
    path("studio/sessions/<int:pk>/", work.SessionView.as_view(), name="studio-session"),
    path(
        "studio/sessions/<int:pk>/messages/",
        work.SessionMessagesView.as_view(),
        name="studio-session-messages",
    ),
    path(
        "studio/sessions/<int:pk>/reply/",
        work.SessionReplyView.as_view(),
        name="studio-session-reply",
    ),
    path("studio/tasks/queue/", work.TaskQueueView.as_view(), name="studio-task-queue"),
    path("studio/tasks/<int:pk>/", work.TaskView.as_view(), name="studio-task"),
    path("studio/tasks/<int:pk>/cancel/", work.TaskCancelView.as_view(), name="studio-task-cancel"),
    path("studio/tasks/<int:pk>/retry/", work.TaskRetryView.as_view(), name="studio-task-retry"),
    path("studio/prompts/", prompts.PromptsView.as_view(), name="studio-prompts"),
    path("studio/prompts/<int:pk>/", prompts.PromptView.as_view(), name="studio-prompt"),
    path(
        "studio/prompts/<int:pk>/versions/",
        prompts.PromptVersionsView.as_view(),
        name="studio-prompt-versions",
    ),
    re_path(
        r"^studio/prompts/(?P<pk>[0-9]{1,18})/labels/(?P<label>production|staging)/$",
        prompts.PromptLabelView.as_view(),
        name="studio-prompt-label",
    ),
    path(
        "studio/prompts/<int:pk>/render/",
        prompts.PromptRenderView.as_view(),
        name="studio-prompt-render",
    ),
    path("studio/executions/", prompts.ExecutionsView.as_view(), name="studio-executions"),
]
