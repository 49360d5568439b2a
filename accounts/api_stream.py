"""The stream gatekeeper's endpoints: ``POST /api/stream/{file_hash}/`` (a signed stream URL,
its subtitles, a stream slot) and ``/api/stream/heartbeat/`` (keep or free the slot)."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.policy import policy_of
from core.fields import StrictCharField, StrictRegexField

from . import services
from .api import (
    DEVICE_HEADER,
    FILE_HASH_RE,
    AccountsAPIError,
    api_error,
    site_limits,
)
from .drf import UserAPIView, client_ip
from .errors import AccountsError


class StreamRequestSerializer(serializers.Serializer):
    session = StrictCharField(max_length=64, required=False, allow_blank=True)


_GRANT = inline_serializer(
    "StreamGrant",
    {
        "url": serializers.URLField(),
        "expires": serializers.IntegerField(),
        "session": serializers.CharField(),
        "heartbeat_every": serializers.IntegerField(),
        "subtitles": inline_serializer(
            name="StreamGrantSubtitle",
            fields={
                "stream_index": serializers.IntegerField(),
                "lang": serializers.CharField(),
                "srclang": serializers.CharField(help_text="BCP 47, for <track srclang>"),
                "label": serializers.CharField(),
                "url": serializers.URLField(),
            },
            many=True,
        ),
        "download": inline_serializer(
            name="StreamGrantDownload",
            fields={
                "url": serializers.URLField(),
                "via": serializers.ChoiceField(choices=["direct", "ad_link"]),
                "reason": serializers.CharField(),
            },
        ),
    },
)


class StreamView(UserAPIView):
    """The gatekeeper: checks the user may play this file now and returns a signed URL.
    Send the device fingerprint in ``X-Device-Fingerprint`` and, from a player that already
    streams, its ``session``. Refusals: 404 file_not_found, 409 title_unavailable /
    file_unavailable, 403 banned / quality_locked / device_mismatch, 400 device_required,
    429 rate_limited / too_many_streams (with Retry-After)."""

    @extend_schema(
        request=StreamRequestSerializer,
        responses={200: _GRANT},
        parameters=[OpenApiParameter(DEVICE_HEADER, str, OpenApiParameter.HEADER, required=True)],
    )
    def post(self, request: Request, file_hash: str) -> Response:
        if not FILE_HASH_RE.match(file_hash):
            raise AccountsAPIError(
                AccountsError("file_not_found", "No file with this hash.", status=404)
            )
        data = StreamRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            grant = services.stream_authorize(
                user=self.user,
                file_hash=file_hash,
                fingerprint=request.headers.get(DEVICE_HEADER),
                session=data.validated_data.get("session") or None,
                ip=client_ip(request._request),
                policy=policy_of(request),
                site=site_limits(request),
                origin=request.build_absolute_uri("/").rstrip("/"),
            )
        except AccountsError as err:
            raise api_error(err) from None
        return Response(
            {
                "url": grant.url,
                "expires": grant.expires,
                "session": grant.session,
                "heartbeat_every": grant.heartbeat_every,
                "subtitles": list(grant.subtitles),
                "download": asdict(grant.download) if grant.download else None,
            }
        )


class HeartbeatSerializer(serializers.Serializer):
    session = StrictRegexField(r"^[0-9a-f]{32}$", max_length=32)


class StreamHeartbeatView(UserAPIView):
    """POST keeps a player's stream slot alive (404 stream_session_expired when it lapsed);
    DELETE (``?session=``) frees it when the player stops."""

    @extend_schema(request=HeartbeatSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        data = HeartbeatSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not services.stream_heartbeat(
            user=self.user, session=data.validated_data["session"], site=site_limits(request)
        ):
            raise AccountsAPIError(
                AccountsError(
                    "stream_session_expired",
                    "This stream session expired; request the stream again.",
                    status=404,
                )
            )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter("session", str, required=True, pattern=r"^[0-9a-f]{32}$"),
        ],
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        data = HeartbeatSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        services.stream_session_close(
            user=self.user, session=data.validated_data["session"], site=site_limits(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
