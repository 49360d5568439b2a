"""Episodes, scenes, characters and their relationships."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ..local.speech import voice_sample
from ..models import Character, Episode, Scene
from ..selectors import characters_for, scenes_in_order
from ..services import content, production, publishing, scenes
from .base import StudioView, paged, project_or_404, row_or_404, text_param
from .projects import PAGING
from .serializers import (
    CharacterDetailOut,
    CharacterIn,
    CharacterOut,
    CharacterPatch,
    EpisodeIn,
    EpisodeOut,
    EpisodePatch,
    ProduceIn,
    ProduceOut,
    PublishOut,
    RelationshipIn,
    ReorderIn,
    SceneIn,
    SceneOut,
)
from .serializers_work import MediaOut


class EpisodesView(StudioView):
    @extend_schema(parameters=PAGING, responses={200: paged(EpisodeOut)})
    def get(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        return self.page(request, Episode.objects.filter(project=project), EpisodeOut)

    @extend_schema(request=EpisodeIn, responses={201: EpisodeOut})
    def post(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        data = self.valid(EpisodeIn, request)
        episode = content.episode_create(actor=request.user, project=project, data=data)
        return Response(EpisodeOut(episode).data, status=201)


class EpisodeView(StudioView):
    def _get(self, request: Request, pk: int) -> Episode:
        return row_or_404(request, Episode.objects.select_related("project"), pk, "episode")

    @extend_schema(responses={200: EpisodeOut})
    def get(self, request: Request, pk: int) -> Response:
        return Response(EpisodeOut(self._get(request, pk)).data)

    @extend_schema(request=EpisodePatch, responses={200: EpisodeOut})
    def patch(self, request: Request, pk: int) -> Response:
        episode = self._get(request, pk)
        data = self.valid(EpisodePatch, request)
        episode = content.episode_update(actor=request.user, episode=episode, data=data)
        return Response(EpisodeOut(episode).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        content.episode_delete(actor=request.user, episode=self._get(request, pk))
        return Response(status=204)


class EpisodeProduceView(StudioView):
    @extend_schema(request=ProduceIn, responses={202: ProduceOut})
    def post(self, request: Request, pk: int) -> Response:
        """Queue what the episode still needs, from its script to its video (only what changed
        since the last run)."""
        episode = row_or_404(request, Episode.objects.select_related("project"), pk, "episode")
        data = self.valid(ProduceIn, request)
        queued = production.episode_produce(actor=request.user, episode=episode, **data)
        return Response(ProduceOut(queued).data, status=202)


class EpisodePublishView(StudioView):
    @extend_schema(request=None, responses={202: PublishOut})
    def post(self, request: Request, pk: int) -> Response:
        """Publish the episode's final video to the catalog (409 while it has none)."""
        episode = row_or_404(request, Episode.objects.select_related("project"), pk, "episode")
        job = publishing.episode_publish(actor=request.user, episode=episode)
        return Response(PublishOut({"job": job.pk, "status": job.status}).data, status=202)


class ScenesView(StudioView):
    """An episode's scenes in order."""

    @extend_schema(parameters=PAGING, responses={200: paged(SceneOut)})
    def get(self, request: Request, pk: int) -> Response:
        episode = row_or_404(request, Episode.objects.all(), pk, "episode")
        return self.page(request, scenes_in_order(episode_id=episode.pk), SceneOut)

    @extend_schema(request=SceneIn, responses={201: SceneOut})
    def post(self, request: Request, pk: int) -> Response:
        episode = row_or_404(request, Episode.objects.select_related("project"), pk, "episode")
        data = self.valid(SceneIn, request)
        scene = scenes.scene_create(actor=request.user, episode=episode, data=data)
        return Response(SceneOut(scene).data, status=201)


class ScenesReorderView(StudioView):
    @extend_schema(request=ReorderIn, responses={200: SceneOut(many=True)})
    def post(self, request: Request, pk: int) -> Response:
        episode = row_or_404(request, Episode.objects.all(), pk, "episode")
        data = self.valid(ReorderIn, request)
        rows = scenes.scene_reorder(actor=request.user, episode=episode, order=data["order"])
        return Response(SceneOut(rows, many=True).data)


class SceneView(StudioView):
    def _get(self, request: Request, pk: int) -> Scene:
        return row_or_404(request, Scene.objects.select_related("episode__project"), pk, "scene")

    @extend_schema(responses={200: SceneOut})
    def get(self, request: Request, pk: int) -> Response:
        return Response(SceneOut(self._get(request, pk)).data)

    @extend_schema(request=SceneIn, responses={200: SceneOut})
    def patch(self, request: Request, pk: int) -> Response:
        scene = self._get(request, pk)
        data = self.valid(SceneIn, request)
        scene = scenes.scene_update(actor=request.user, scene=scene, data=data)
        return Response(SceneOut(scene).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        scenes.scene_delete(actor=request.user, scene=self._get(request, pk))
        return Response(status=204)


class CharactersView(StudioView):
    @extend_schema(
        parameters=[*PAGING, OpenApiParameter("q", str, description="Words of the name")],
        responses={200: paged(CharacterOut)},
    )
    def get(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        rows = characters_for(project=project, q=text_param(request, "q", 200))
        return self.page(request, rows, CharacterOut)

    @extend_schema(request=CharacterIn, responses={201: CharacterOut})
    def post(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        data = self.valid(CharacterIn, request)
        character = content.character_create(actor=request.user, project=project, data=data)
        return Response(CharacterOut(character).data, status=201)


class CharacterView(StudioView):
    def _get(self, request: Request, pk: int) -> Character:
        return row_or_404(request, Character.objects.select_related("project"), pk, "character")

    @extend_schema(responses={200: CharacterDetailOut})
    def get(self, request: Request, pk: int) -> Response:
        return Response(CharacterDetailOut(self._get(request, pk)).data)

    @extend_schema(request=CharacterPatch, responses={200: CharacterOut})
    def patch(self, request: Request, pk: int) -> Response:
        character = self._get(request, pk)
        data = self.valid(CharacterPatch, request)
        character = content.character_update(actor=request.user, character=character, data=data)
        return Response(CharacterOut(character).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        content.character_delete(actor=request.user, character=self._get(request, pk))
        return Response(status=204)


class RelationshipView(StudioView):
    """One character's relationship to another of the project."""

    @extend_schema(request=RelationshipIn, responses={200: CharacterOut})
    def put(self, request: Request, pk: int, other: int) -> Response:
        character = row_or_404(request, Character.objects.all(), pk, "character")
        data = self.valid(RelationshipIn, request)
        content.character_relationship_set(
            actor=request.user,
            character=character,
            other_id=other,
            relationship_type=data["relationship_type"],
            description=data.get("description", ""),
        )
        return Response(CharacterOut(Character.objects.get(pk=character.pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, other: int) -> Response:
        character = row_or_404(request, Character.objects.all(), pk, "character")
        content.character_relationship_remove(
            actor=request.user, character=character, other_id=other
        )
        return Response(status=204)


class VoiceSampleView(StudioView):
    """A few words in the character's voice (made once per voice, then kept)."""

    @extend_schema(request=None, responses={200: MediaOut})
    def post(self, request: Request, pk: int) -> Response:
        character = row_or_404(
            request, Character.objects.select_related("project"), pk, "character"
        )
        return Response(MediaOut(voice_sample(actor=request.user, character=character)).data)


ESTIMATE = inline_serializer(
    "StudioEpisodeEstimate",
    {"new": serializers.IntegerField(), "estimate": serializers.DecimalField(12, 6)},
)


class EpisodeEstimateView(StudioView):
    """What producing the episode now would queue anew, and about what it would cost."""

    @extend_schema(responses={200: ESTIMATE})
    def get(self, request: Request, pk: int) -> Response:
        episode = row_or_404(request, Episode.objects.select_related("project"), pk, "episode")
        found = production.episode_estimate(episode=episode)
        return Response({"new": found["new"], "estimate": str(found["estimate"])})
