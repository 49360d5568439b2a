"""``GET /api/session/``: the cookie a client must keep before it gets a visitor session.

A visitor without a session becomes a guest on its first per-user request — but only when the
request carries a cookie of ours (one that can keep its session): otherwise a client that drops
cookies would mint a guest per request. This endpoint sets the CSRF cookie and returns its
token, for API clients that load no page first."""

from __future__ import annotations

from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class SessionView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                name="SessionStart", fields={"csrf_token": serializers.CharField()}
            )
        }
    )
    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request._request)})
