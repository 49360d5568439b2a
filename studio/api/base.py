"""What every studio view shares: session authentication, the error shape for service
refusals, paging with ``page``/``limit``, and lookups through the access rule."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import StrictPageNumberPagination

from ..errors import StudioError
from ..models import Project
from ..policy import Action, project_allows, projects_readable, under_projects

_DIGITS = re.compile(r"[0-9]{1,19}")


class LimitPagination(StrictPageNumberPagination):
    page_size = 20
    page_size_query_param = "limit"


class ServiceRefusal(exceptions.APIException):
    def __init__(self, error: StudioError) -> None:
        self.status_code = error.status
        self.fields = error.fields or None
        super().__init__(detail=error.message, code=error.code)


class StudioSession(SessionAuthentication):
    """The session cookie; without one the answer is 401 (not DRF's 403), so a client knows
    to sign in rather than that it was refused."""

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="studio"'


class StudioSessionScheme(SessionScheme):
    """OpenAPI: the session cookie (the same scheme as DRF's session authentication)."""

    target_class = "studio.api.base.StudioSession"
    name = "studioCookieAuth"


class StudioView(APIView):
    authentication_classes = [StudioSession]
    permission_classes = [IsAuthenticated]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # A method the view does not have is a 405 for everyone, signed in or not.
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, StudioError):
            if exc.fields and exc.status == 400:
                exc = exceptions.ValidationError(exc.fields)
            else:
                exc = ServiceRefusal(exc)
        return super().handle_exception(exc)

    def page(self, request: Request, queryset: QuerySet, serializer: type) -> Response:
        paginator = LimitPagination()
        rows = paginator.paginate_queryset(queryset, request, view=self)
        data = serializer(rows, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    def valid(self, serializer: type[serializers.Serializer], request: Request, **kw: Any) -> dict:
        data = serializer(data=request.data, **kw)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)


_PAGES: dict[str, object] = {}


def paged(item: type[serializers.Serializer]) -> object:
    """The schema of a page of ``item``: ``{count, next, previous, results: [item]}``."""
    name = f"Studio{item.__name__}Page"
    if name not in _PAGES:
        _PAGES[name] = inline_serializer(name, {
            "count": serializers.IntegerField(),
            "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True),
            "results": item(many=True),
        })  # fmt: skip
    return _PAGES[name]


def choice_param(request: Request, name: str, choices: list[str]) -> str:
    """A query parameter that must be one of ``choices`` ("" when absent); else (an empty
    value too) a 400."""
    value = request.query_params.get(name)
    if value is None:
        return ""
    if value not in choices:
        raise exceptions.ValidationError({name: [f"One of: {', '.join(choices)}."]})
    return value


def id_param(request: Request, name: str) -> int | None:
    """A row id in the query (None when absent); anything but 1 … 2**63-1 is a 400."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    number = int(raw) if _DIGITS.fullmatch(raw) else 0
    if not 1 <= number < 2**63:
        raise exceptions.ValidationError({name: ["A whole number from 1."]})
    return number


def text_param(request: Request, name: str, max_length: int) -> str:
    """A free-text query parameter, at most ``max_length`` characters, no NUL (a 400)."""
    value = request.query_params.get(name, "")
    if "\x00" in value:
        raise exceptions.ValidationError({name: ["Must not contain a NUL character."]})
    return value[:max_length]


def project_or_404(request: Request, pk: int, action: Action = Action.READ) -> Project:
    project = projects_readable(request.user).filter(pk=pk).select_related("created_by").first()
    if project is None:
        raise exceptions.NotFound("No such project.")
    if not project_allows(request.user, project, action):
        raise exceptions.PermissionDenied("Only the project's owner or an admin may do that.")
    return project


def row_or_404(request: Request, queryset: QuerySet, pk: int, what: str) -> Model:
    row = under_projects(queryset, request.user).filter(pk=pk).first()
    if row is None:
        raise exceptions.NotFound(f"No such {what}.")
    return row
