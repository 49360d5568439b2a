"""A scene's takes: every picture drawn for each panel, a new take of one panel (an edited
prompt, another generator), and the take a panel shows."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.fields import PlainTextField

from ..models import GENERATORS, Scene, TaskType
from ..selectors import task_visible
from ..services import takes
from ..services.production import planned_panels
from .base import StudioView, row_or_404
from .serializers_work import MediaOut, TaskOut


class RegenerateIn(serializers.Serializer):
    description = PlainTextField(max_length=takes.MAX_PROMPT, required=False, allow_blank=True)
    generator = serializers.ChoiceField(choices=GENERATORS[TaskType.IMAGE], required=False)


class PickIn(serializers.Serializer):
    media = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


PANEL_TAKES = inline_serializer(
    "StudioPanelTakes",
    {
        "panel_number": serializers.IntegerField(),
        "description": serializers.CharField(),
        "image": serializers.IntegerField(allow_null=True),
        "picked": serializers.BooleanField(),
        "takes": MediaOut(many=True),
    },
    many=True,
)
PICKED = inline_serializer(
    "StudioTakePicked",
    {
        "changed": serializers.BooleanField(),
        "tasks": serializers.ListField(child=serializers.IntegerField()),
    },
)


def _scene(request: Request, pk: int) -> Scene:
    return row_or_404(request, Scene.objects.select_related("episode__project"), pk, "scene")


class TakesView(StudioView):
    """Each panel of the scene with the take it shows and every take drawn, newest first."""

    @extend_schema(responses={200: PANEL_TAKES})
    def get(self, request: Request, pk: int) -> Response:
        scene = _scene(request, pk)
        drawn = takes.takes_of(scene=scene)
        body = [
            {
                "panel_number": panel["panel_number"],
                "description": panel.get("description", ""),
                "image": panel.get("image"),
                "picked": bool(panel.get("picked")),
                "takes": MediaOut(drawn.get(panel["panel_number"], []), many=True).data,
            }
            for panel in planned_panels(scene)
        ]
        return Response(body)


class RegenerateView(StudioView):
    """Draw the panel again (a new take; the others stay)."""

    @extend_schema(request=RegenerateIn, responses={202: TaskOut})
    def post(self, request: Request, pk: int, panel: int) -> Response:
        scene = _scene(request, pk)
        data = self.valid(RegenerateIn, request)
        task = takes.panel_regenerate(
            actor=request.user,
            scene=scene,
            panel=panel,
            description=data.get("description"),
            generator=data.get("generator", ""),
        )
        return Response(TaskOut(task_visible(user=request.user, pk=task.pk)).data, status=202)


class PickView(StudioView):
    """Show this take in the panel; what it changes (the scene's clip, the episode) is queued."""

    @extend_schema(request=PickIn, responses={200: PICKED})
    def post(self, request: Request, pk: int, panel: int) -> Response:
        scene = _scene(request, pk)
        data = self.valid(PickIn, request)
        done = takes.panel_take_pick(
            actor=request.user, scene=scene, panel=panel, media=data["media"]
        )
        produced = done["produced"] or {"tasks": []}
        return Response({"changed": done["changed"], "tasks": produced["tasks"]})
