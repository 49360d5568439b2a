"""One JSON error shape for every API error:

    {"error": {"code": "not_found", "message": "…", "fields": {"year": ["…"]}}}

``fields`` is present for validation errors, and for a refusal that names the field it is
about (an exception with a ``fields`` attribute: the studio's 409 ``not_in_project``).
Django-level 404/500 under ``/api/`` use the same shape, so a client never has to parse an
HTML error page.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf as csrf_views
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import error_body


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = error_body(
            code="invalid", message="The request has invalid values.", fields=fields
        )
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        fields = getattr(exc, "fields", None)
        response.data = error_body(code=code, message=str(exc.detail), fields=fields)
    return response


def _is_api(request: HttpRequest) -> bool:
    """Machine clients' paths: the API and the byte endpoints answer JSON errors."""
    return request.path.startswith(("/api/", "/s/"))


def page_not_found(request: HttpRequest, exception: Exception | None = None):
    if _is_api(request):
        return JsonResponse(error_body(code="not_found", message="Not found."), status=404)
    return defaults.page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = ""):
    if _is_api(request):
        return JsonResponse(
            error_body(code="csrf_failed", message=f"CSRF check failed: {reason}"), status=403
        )
    return csrf_views.csrf_failure(request, reason=reason)


DATABASE_RETRY_AFTER = 10  # seconds: a database restart or failover is usually over by then


def server_error(request: HttpRequest):
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # The database is away (restarting, failing over): the client should come back soon.
        return _database_unavailable(request)
    if _is_api(request):
        return JsonResponse(
            error_body(code="server_error", message="Internal server error."), status=500
        )
    return defaults.server_error(request)


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    message = "The service is briefly unavailable; try again in a few seconds."
    if _is_api(request):
        response: HttpResponse = JsonResponse(
            error_body(code="unavailable", message=message), status=503
        )
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response
