"""Members, projects and collaborators."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ..models import Project, ProjectStatus
from ..policy import Action
from ..selectors import projects_for
from ..services import costs, members, projects
from .base import StudioView, choice_param, paged, project_or_404, text_param
from .serializers import (
    CollaboratorIn,
    ContinueOut,
    CostsOut,
    MemberIn,
    MemberOut,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
)

PAGING = [
    OpenApiParameter("page", int, description="Page number (from 1)"),
    OpenApiParameter("limit", int, description="Items per page (1 to 100, default 20)"),
]


def _member(user) -> dict:
    member = members.member_get(user=user)
    member.quota = members.quota_use(member=member)
    member.budget = costs.budget(user=user)
    return MemberOut(member).data


class MeView(StudioView):
    """Your studio profile: role, preferences, tier and what is left of its quota."""

    @extend_schema(responses={200: MemberOut})
    def get(self, request: Request) -> Response:
        return Response(_member(request.user))

    @extend_schema(request=MemberIn, responses={200: MemberOut})
    def patch(self, request: Request) -> Response:
        data = self.valid(MemberIn, request)
        member = members.member_get(user=request.user)
        members.member_update(actor=request.user, member=member, changes=data)
        return Response(_member(request.user))


class ProjectsView(StudioView):
    @extend_schema(
        parameters=[
            *PAGING,
            OpenApiParameter("status", enum=ProjectStatus.values),
            OpenApiParameter("role", enum=["owner", "collaborator"]),
            OpenApiParameter("q", str, description="Words of the title (prefixes)"),
        ],
        responses={200: paged(ProjectOut)},
    )
    def get(self, request: Request) -> Response:
        status = choice_param(request, "status", ProjectStatus.values)
        role = choice_param(request, "role", ["owner", "collaborator"])
        q = text_param(request, "q", 200)
        rows = projects_for(user=request.user, status=status, role=role, q=q)
        return self.page(request, rows, ProjectOut)

    @extend_schema(request=ProjectIn, responses={201: ProjectOut})
    def post(self, request: Request) -> Response:
        data = self.valid(ProjectIn, request)
        project = projects.project_create(actor=request.user, data=data)
        return Response(ProjectOut(project).data, status=201)


class ProjectView(StudioView):
    @extend_schema(responses={200: ProjectOut})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ProjectOut(project_or_404(request, pk)).data)

    @extend_schema(request=ProjectPatch, responses={200: ProjectOut})
    def patch(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk, Action.UPDATE)
        data = self.valid(ProjectPatch, request)
        project = projects.project_update(actor=request.user, project=project, data=data)
        return Response(ProjectOut(Project.objects.get(pk=project.pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk, Action.DELETE)
        projects.project_delete(actor=request.user, project=project)
        return Response(status=204)


class CollaboratorsView(StudioView):
    """Invite a user by verified email or username (owner and admins)."""

    @extend_schema(request=CollaboratorIn, responses={201: ProjectOut})
    def post(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk, Action.DELETE)
        data = self.valid(CollaboratorIn, request)
        projects.project_collaborator_add(actor=request.user, project=project, handle=data["user"])
        return Response(ProjectOut(Project.objects.get(pk=project.pk)).data, status=201)


class CollaboratorView(StudioView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, user_id: int) -> Response:
        project = project_or_404(request, pk)
        projects.project_collaborator_remove(actor=request.user, project=project, user_id=user_id)
        return Response(status=204)


class ProjectCostsView(StudioView):
    @extend_schema(responses={200: CostsOut})
    def get(self, request: Request, pk: int) -> Response:
        """What the project's tasks cost, by type; runs paused for the budget; the owner's
        budget this month."""
        project = project_or_404(request, pk)
        data = costs.project_costs(project=project)
        data["owner_budget"] = costs.budget(user=project.created_by)
        return Response(CostsOut(data).data)


class ProjectContinueView(StudioView):
    @extend_schema(request=None, responses={200: ContinueOut})
    def post(self, request: Request, pk: int) -> Response:
        """Top up and continue: open the runs paused for the budget that it now covers (409,
        saying what is missing, when none fits)."""
        project = project_or_404(request, pk, Action.UPDATE)
        opened = costs.budget_continue(actor=request.user, project=project)
        return Response(ContinueOut({"opened": opened}).data)
