"""Media (upload, edit, delete; bytes by signed URL), sessions and tasks."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from jobs.models import JobStatus

from .. import assistant
from ..models import Media, MediaType, Session
from ..progress import progress_snapshot
from ..selectors import media_of, task_visible, tasks_listed, tasks_of, tasks_queued
from ..services import media as media_services
from ..services import sessions, tasks
from .base import StudioView, choice_param, paged, project_or_404, row_or_404
from .projects import PAGING
from .serializers_work import (
    MediaOut,
    MediaPatch,
    MediaUpload,
    MessageIn,
    ReplyIn,
    SessionIn,
    SessionOut,
    TaskBatchIn,
    TaskOut,
)


class MediaListView(StudioView):
    """A project's media, by type; upload one (multipart)."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        parameters=[*PAGING, OpenApiParameter("media_type", enum=MediaType.values)],
        responses={200: paged(MediaOut)},
    )
    def get(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        kind = choice_param(request, "media_type", MediaType.values)
        rows = media_of(project=project, media_type=kind)
        return self.page(request, rows, MediaOut)

    @extend_schema(request={"multipart/form-data": MediaUpload}, responses={201: MediaOut})
    def post(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        data = self.valid(MediaUpload, request)
        upload = data.pop("file")
        media = media_services.media_create(
            actor=request.user,
            project=project,
            upload=upload,
            filename=upload.name,
            media_type=data.pop("media_type"),
            data=data,
        )
        return Response(MediaOut(media).data, status=201)


class MediaView(StudioView):
    def _get(self, request: Request, pk: int) -> Media:
        return row_or_404(request, Media.objects.select_related("project"), pk, "media")

    @extend_schema(responses={200: MediaOut})
    def get(self, request: Request, pk: int) -> Response:
        return Response(MediaOut(self._get(request, pk)).data)

    @extend_schema(request=MediaPatch, responses={200: MediaOut})
    def patch(self, request: Request, pk: int) -> Response:
        media = self._get(request, pk)
        data = self.valid(MediaPatch, request)
        return Response(
            MediaOut(media_services.media_update(actor=request.user, media=media, data=data)).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        media_services.media_delete(actor=request.user, media=self._get(request, pk))
        return Response(status=204)


class SessionsView(StudioView):
    @extend_schema(parameters=PAGING, responses={200: paged(SessionOut)})
    def get(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        return self.page(request, Session.objects.filter(project=project), SessionOut)

    @extend_schema(request=SessionIn, responses={201: SessionOut})
    def post(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        data = self.valid(SessionIn, request)
        session = sessions.session_open(actor=request.user, project=project, data=data)
        if len(data) > 1 or "current_step" not in data:
            session = sessions.session_update(actor=request.user, session=session, data=data)
        return Response(SessionOut(session).data, status=201)


class SessionView(StudioView):
    def _get(self, request: Request, pk: int) -> Session:
        return row_or_404(request, Session.objects.select_related("project"), pk, "session")

    @extend_schema(responses={200: SessionOut})
    def get(self, request: Request, pk: int) -> Response:
        return Response(SessionOut(self._get(request, pk)).data)

    @extend_schema(request=SessionIn, responses={200: SessionOut})
    def patch(self, request: Request, pk: int) -> Response:
        session = self._get(request, pk)
        data = self.valid(SessionIn, request)
        return Response(
            SessionOut(sessions.session_update(actor=request.user, session=session, data=data)).data
        )


class SessionMessagesView(StudioView):
    @extend_schema(request=MessageIn, responses={201: SessionOut})
    def post(self, request: Request, pk: int) -> Response:
        session = row_or_404(request, Session.objects.all(), pk, "session")
        data = self.valid(MessageIn, request)
        session = sessions.session_message_add(
            actor=request.user,
            session=session,
            role=data["role"],
            content=data["content"],
            metadata=data.get("metadata"),
        )
        return Response(SessionOut(session).data, status=201)


class SessionReplyView(StudioView):
    """Answer the assistant (words or one of ``last_choices``); it acts and replies. An empty
    answer to a session it has not spoken in yet gets its greeting."""

    @extend_schema(request=ReplyIn, responses={200: SessionOut})
    def post(self, request: Request, pk: int) -> Response:
        session = row_or_404(request, Session.objects.select_related("project"), pk, "session")
        data = self.valid(ReplyIn, request)
        session = assistant.session_reply(
            actor=request.user,
            session=session,
            content_text=data.get("content", ""),
            choice_id=data.get("choice_id", ""),
        )
        return Response(SessionOut(session).data)


STATUSES = [s for s in JobStatus.values]


class TasksView(StudioView):
    """A project's tasks (by status); create a batch of tasks with dependencies."""

    @extend_schema(
        parameters=[*PAGING, OpenApiParameter("status", enum=STATUSES)],
        responses={200: paged(TaskOut)},
    )
    def get(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        status = choice_param(request, "status", STATUSES)
        rows = tasks_of(project=project, status=status)
        return self.page(request, rows, TaskOut)

    @extend_schema(request=TaskBatchIn, responses={201: TaskOut(many=True)})
    def post(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        data = self.valid(TaskBatchIn, request)
        made = tasks.tasks_create(
            actor=request.user, project=project, specs=[dict(s) for s in data["tasks"]]
        )
        rows = tasks_listed(project=project, pks=[task.pk for task, _ in made])
        return Response(TaskOut(rows, many=True).data, status=201)


class TaskQueueView(StudioView):
    """Queued tasks of the projects you may read, in the order workers claim them."""

    @extend_schema(parameters=PAGING, responses={200: paged(TaskOut)})
    def get(self, request: Request) -> Response:
        return self.page(request, tasks_queued(user=request.user), TaskOut)


def _task(request: Request, pk: int):
    task = task_visible(user=request.user, pk=pk)
    if task is None:
        raise NotFound("No such task.")
    return task


class TaskView(StudioView):
    @extend_schema(responses={200: TaskOut})
    def get(self, request: Request, pk: int) -> Response:
        return Response(TaskOut(_task(request, pk)).data)


class TaskCancelView(StudioView):
    """Cancel a task and what depends on it (idempotent)."""

    @extend_schema(request=None, responses={200: TaskOut})
    def post(self, request: Request, pk: int) -> Response:
        tasks.task_cancel(actor=request.user, task=_task(request, pk))
        return Response(TaskOut(_task(request, pk)).data)


class TaskRetryView(StudioView):
    """Retry a failed or cancelled task (what its failure cancelled waits for it again)."""

    @extend_schema(request=None, responses={200: TaskOut})
    def post(self, request: Request, pk: int) -> Response:
        tasks.task_retry(actor=request.user, task=_task(request, pk))
        return Response(TaskOut(_task(request, pk)).data)


PROGRESS = inline_serializer(
    "StudioProgress",
    {"tasks": serializers.DictField(child=serializers.DictField())},
)


class ProgressView(StudioView):
    """The project's newest tasks as the progress socket sends them (for polling)."""

    @extend_schema(responses={200: PROGRESS})
    def get(self, request: Request, pk: int) -> Response:
        project = project_or_404(request, pk)
        return Response({"tasks": progress_snapshot(project_id=project.pk)})
