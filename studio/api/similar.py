"""Similar media (``GET studio/media/similar/``) and fal's webhook (``POST
studio/fal/webhook/``: no session, its Ed25519 signature instead)."""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from ..embedders import embedder
from ..models import Media
from ..providers import fal_webhook
from ..services.fal import fal_delivery
from ..services.similar import media_similar
from .base import StudioView, id_param, row_or_404, text_param
from .serializers_work import MediaOut

SimilarOut = inline_serializer(
    "StudioSimilarMedia",
    {
        "model": serializers.CharField(),
        "results": inline_serializer(
            "StudioSimilarHit",
            {"score": serializers.FloatField(), "media": MediaOut()},
            many=True,
        ),
    },
)


class SimilarMediaView(StudioView):
    """The media most like another (``to``: a media id) or like words (``q``), best first,
    among the projects you may read."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "to",
                {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                description="A media id (or q)",
            ),
            OpenApiParameter(
                "q", {"type": "string", "maxLength": 500}, description="Words (or to)"
            ),
            OpenApiParameter("limit", int, description="1 to 100 (10)"),
        ],
        responses={200: SimilarOut},
    )
    def get(self, request: Request) -> Response:
        to_id = id_param(request, "to")
        to = None
        if to_id is not None:
            to = row_or_404(request, Media.objects.select_related("project"), to_id, "media")
        hits = media_similar(
            user=request.user,
            to=to,
            q=text_param(request, "q", 1000),
            limit=request.query_params.get("limit"),
        )
        return Response(
            {
                "model": embedder().model,
                "results": [
                    {"score": round(score, 6), "media": MediaOut(m).data} for m, score in hits
                ],
            }
        )


class NotFals(exceptions.APIException):
    status_code = 401
    default_code = "bad_signature"


class Unavailable(exceptions.APIException):
    status_code = 503
    default_code = "unavailable"


class FalWebhookView(StudioView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("StudioFalDelivery", {"status": serializers.CharField()})
        },
    )
    def post(self, request: Request) -> Response:
        body = request.body
        try:
            request_id = fal_webhook.verify(request.headers, body)
        except fal_webhook.Unverified as exc:
            raise NotFals(f"Not fal's delivery: {exc}.") from exc
        except fal_webhook.KeysUnavailable as exc:
            raise Unavailable(f"Cannot check the signature now ({exc}); deliver again.") from exc
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise exceptions.ParseError("The body is not JSON.") from exc
        if not isinstance(payload, dict):
            raise exceptions.ParseError("The body is not a JSON object.")
        return Response({"status": fal_delivery(request_id=request_id, body=payload)})
