"""The manga gatekeeper: ``POST /api/read/{chapter_id}/`` answers the chapter's page URLs,
signed with an expiry, after the same checks as a stream."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.policy import policy_of

from . import services
from .api import DEVICE_HEADER, api_error
from .drf import UserAPIView, client_ip
from .errors import AccountsError

_GRANT = inline_serializer(
    name="ReadGrant",
    fields={
        "pages": serializers.ListField(child=serializers.URLField()),
        "expires": serializers.IntegerField(),
    },
)


class ReadView(UserAPIView):
    """Signed URLs of every page of a chapter (``/api/read/{chapter}/{page}?md5=&expires=``).
    Refusals: 404 chapter_not_found, 409 title_unavailable, 403 banned / device_mismatch,
    400 device_required, 429 rate_limited (with Retry-After)."""

    @extend_schema(
        request=None,
        responses={200: _GRANT},
        parameters=[OpenApiParameter(DEVICE_HEADER, str, OpenApiParameter.HEADER, required=True)],
    )
    def post(self, request: Request, chapter_id: int) -> Response:
        try:
            grant = services.read_authorize(
                user=self.user,
                chapter_id=chapter_id,
                fingerprint=request.headers.get(DEVICE_HEADER),
                ip=client_ip(request._request),
                policy=policy_of(request),
            )
        except AccountsError as err:
            raise api_error(err) from None
        return Response({"pages": list(grant.pages), "expires": grant.expires})
