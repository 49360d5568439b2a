"""The prompt registry: templates (read by members, written by producers and admins), their
versions, labels, a dry-run render, and executions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import PromptExecution, PromptTemplate
from ..policy import can_write_prompts, under_projects
from ..selectors import prompts_all
from ..services import prompts
from .base import StudioView, choice_param, id_param, paged, text_param
from .projects import PAGING
from .serializers_work import (
    ExecutionOut,
    LabelIn,
    PromptIn,
    PromptPatch,
    PromptTemplateOut,
    PromptVersionOut,
    RenderIn,
)

RENDERED = inline_serializer(
    "StudioPromptRendered",
    {
        "version": serializers.IntegerField(),
        "prompt": serializers.CharField(),
        "inputs": serializers.DictField(),
    },
)


def _template(pk: int) -> PromptTemplate:
    template = prompts_all().filter(pk=pk).first()
    if template is None:
        raise NotFound("No such prompt template.")
    return template


def _writer(request: Request) -> None:
    if not can_write_prompts(request.user):
        raise PermissionDenied("Producers and admins edit prompt templates.")


class PromptsView(StudioView):
    @extend_schema(
        parameters=[*PAGING, OpenApiParameter("app", str), OpenApiParameter("stage", str)],
        responses={200: paged(PromptTemplateOut)},
    )
    def get(self, request: Request) -> Response:
        rows = prompts_all(
            app=text_param(request, "app", 60), stage=text_param(request, "stage", 60)
        )
        return self.page(request, rows, PromptTemplateOut)

    @extend_schema(request=PromptIn, responses={201: PromptTemplateOut})
    def post(self, request: Request) -> Response:
        _writer(request)
        data = self.valid(PromptIn, request)
        template = prompts.prompt_template_create(actor=request.user, data=data)
        return Response(PromptTemplateOut(_template(template.pk)).data, status=201)


class PromptView(StudioView):
    @extend_schema(responses={200: PromptTemplateOut})
    def get(self, request: Request, pk: int) -> Response:
        return Response(PromptTemplateOut(_template(pk)).data)

    @extend_schema(request=PromptPatch, responses={200: PromptTemplateOut})
    def patch(self, request: Request, pk: int) -> Response:
        template = _template(pk)
        _writer(request)
        data = self.valid(PromptPatch, request)
        prompts.prompt_template_save(actor=request.user, template=template, data=data)
        return Response(PromptTemplateOut(_template(pk)).data)


class PromptVersionsView(StudioView):
    @extend_schema(parameters=PAGING, responses={200: paged(PromptVersionOut)})
    def get(self, request: Request, pk: int) -> Response:
        template = _template(pk)
        return self.page(request, template.versions.order_by("-number"), PromptVersionOut)


class PromptLabelView(StudioView):
    """Point ``production`` or ``staging`` at a version (deploy, roll back)."""

    @extend_schema(
        parameters=[OpenApiParameter("label", enum=["production", "staging"], location="path")],
        request=LabelIn,
        responses={200: PromptTemplateOut},
    )
    def put(self, request: Request, pk: int, label: str) -> Response:
        template = _template(pk)
        _writer(request)
        data = self.valid(LabelIn, request)
        version = template.versions.filter(number=data["version"]).first()
        if version is None:
            raise NotFound(f"Version {data['version']} does not exist.")
        prompts.prompt_label_move(
            actor=request.user, template=template, label=label, number=version.number
        )
        return Response(PromptTemplateOut(_template(pk)).data)


class PromptRenderView(StudioView):
    """The prompt a label's version makes from these inputs (nothing is called or recorded)."""

    @extend_schema(request=RenderIn, responses={200: RENDERED})
    def post(self, request: Request, pk: int) -> Response:
        template = _template(pk)
        data = self.valid(RenderIn, request)
        version = prompts.version_for(template=template, label=data.get("label", "production"))
        text, used = prompts.prompt_render(version=version, inputs=data["inputs"])
        return Response({"version": version.number, "prompt": text, "inputs": used})


class ExecutionsView(StudioView):
    """Executions of prompts for the projects you may read (admins: all, with none too)."""

    @extend_schema(
        parameters=[
            *PAGING,
            OpenApiParameter("project", int),
            OpenApiParameter("status", enum=["success", "error"]),
        ],
        responses={200: paged(ExecutionOut)},
    )
    def get(self, request: Request) -> Response:
        rows = under_projects(PromptExecution.objects.select_related("version"), request.user)
        project = id_param(request, "project")
        if project is not None:
            rows = rows.filter(project_id=project)
        status = choice_param(request, "status", ["success", "error"])
        if status:
            rows = rows.filter(status=status)
        return self.page(request, rows.order_by("-created_at", "-id"), ExecutionOut)
