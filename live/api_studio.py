"""``/api/live/studio/``: your own channel — become a creator, edit it, make a stream key (shown
once), schedule and edit your streams. The creator dashboard page uses exactly these."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import UserKind
from core.fields import (
    PlainTextField,
    StrictBooleanField,
    StrictIntegerField,
    StrictRegexField,
)
from core.text import HTML

from . import images, selectors, services, studio
from .api import (
    CREATOR_FIELDS,
    PAGING,
    STREAM,
    LiveView,
    field_errors,
    page_of,
    paged,
)
from .models import Creator, CreatorStatus, WhoCanMessage

_STUDIO = inline_serializer(
    "LiveStudio",
    {
        **CREATOR_FIELDS,
        "has_stream_key": serializers.BooleanField(),
        "stream_key_updated_at": serializers.DateTimeField(allow_null=True),
        "rtmp_url": serializers.CharField(),
        "status": serializers.ChoiceField(choices=CreatorStatus.values),
        "rejection_reason": serializers.CharField(allow_blank=True),
    },
)


class SocialSerializer(serializers.Serializer):
    platform = PlainTextField(max_length=40, refuse=HTML.pattern)
    # An http(s) link, as the schema says it (Django's URL validator is stricter than any
    # "format: uri" — one-letter top-level domains, 253-character hosts — so the rule is the
    # pattern itself, the same on both sides).
    url = StrictRegexField(studio.LINK_PATTERN, max_length=200, help_text="An http(s) link")


class BecomeSerializer(serializers.Serializer):
    channel_name = StrictRegexField(
        services.CHANNEL_PATTERN, max_length=60, help_text="3 to 60 letters, digits, spaces, .'-_"
    )
    description = PlainTextField(
        max_length=2000, refuse=HTML.pattern, blank=True, required=False, default=""
    )


class CreatorEditSerializer(serializers.Serializer):
    description = PlainTextField(max_length=2000, refuse=HTML.pattern, blank=True, required=False)
    social_accounts = SocialSerializer(many=True, required=False, max_length=studio.SOCIAL_MAX)


class StreamEditSerializer(serializers.Serializer):
    title = PlainTextField(max_length=200, refuse=HTML.pattern, required=False)
    description = PlainTextField(max_length=5000, refuse=HTML.pattern, blank=True, required=False)
    category_id = StrictIntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True
    )
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    who_can_message = serializers.ChoiceField(choices=WhoCanMessage.values, required=False)
    slow_mode_seconds = StrictIntegerField(min_value=0, max_value=600, required=False)
    is_public = StrictBooleanField(required=False)
    is_mature = StrictBooleanField(required=False)


class StreamCreateSerializer(StreamEditSerializer):
    title = PlainTextField(max_length=200, refuse=HTML.pattern)


def _studio(creator: Creator) -> dict[str, Any]:
    return {
        **selectors.creator_item(creator),
        "has_stream_key": bool(creator.stream_key_hash),
        "stream_key_updated_at": (
            creator.stream_key_updated_at.isoformat() if creator.stream_key_updated_at else None
        ),
        "rtmp_url": settings.LIVE_RTMP_URL,
        "status": creator.status,
        "rejection_reason": creator.rejection_reason,
    }


class StudioView(LiveView):
    """Your channel (404 until you become a creator)."""

    def get_permissions(self):
        return [IsAuthenticated()]

    def mine(self, request: Request) -> Creator:
        creator = Creator.objects.filter(user=request.user, is_deleted=False).first()
        if creator is None:
            raise NotFound("You have no channel yet: POST a channel name to make one.")
        return creator


class StudioChannelView(StudioView):
    @extend_schema(responses={200: _STUDIO})
    def get(self, request: Request) -> Response:
        return Response(_studio(self.mine(request)))

    @extend_schema(request=BecomeSerializer, responses={201: _STUDIO})
    def post(self, request: Request) -> Response:
        data = BecomeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.user.kind == UserKind.GUEST:
            raise PermissionDenied("Open a channel after signing in with Telegram.")
        with field_errors():
            creator = services.creator_become(user=request.user, **data.validated_data)
        return Response(_studio(creator), status=201)

    @extend_schema(request=CreatorEditSerializer, responses={200: _STUDIO})
    def patch(self, request: Request) -> Response:
        creator = self.mine(request)
        data = CreatorEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with field_errors():
            studio.creator_update(creator=creator, **data.validated_data)
        return Response(_studio(creator))


class StudioKeyView(StudioView):
    """A new stream key — shown this once; the previous key stops working at once."""

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "LiveStreamKey",
                {"stream_key": serializers.CharField(), "rtmp_url": serializers.CharField()},
            )
        },
    )
    def post(self, request: Request) -> Response:
        with field_errors():
            key = services.stream_key_rotate(creator=self.mine(request))
        response = Response({"stream_key": key, "rtmp_url": settings.LIVE_RTMP_URL}, status=201)
        response["Cache-Control"] = "no-store"
        return response


class ImageSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(images.SIZES))
    image = serializers.FileField(max_length=200)

    def validate_image(self, value: Any) -> Any:
        if value.size > images.MAX_UPLOAD:
            raise serializers.ValidationError(f"At most {images.MAX_UPLOAD // 2**20} MiB.")
        return value


class StudioImageView(StudioView):
    """Your channel's profile photo or cover (multipart: ``kind``, ``image``): re-encoded as
    JPEG, stored in the vault."""

    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": ImageSerializer}, responses={200: _STUDIO})
    def post(self, request: Request) -> Response:
        creator = self.mine(request)
        data = ImageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with field_errors():
            images.creator_image_set(
                creator=creator,
                kind=data.validated_data["kind"],
                upload=data.validated_data["image"],
            )
        return Response(_studio(creator))


class StudioStreamsView(StudioView):
    """Your streams, private and scheduled ones included; POST schedules one (the next time
    your encoder connects, the earliest scheduled stream goes live)."""

    @extend_schema(parameters=PAGING, responses={200: paged("LiveStudioStreamPage", STREAM)})
    def get(self, request: Request) -> Response:
        streams = selectors.visible_streams().filter(creator=self.mine(request))
        return page_of(self, request, streams.order_by("-created_at", "-id"), selectors.stream_item)

    @extend_schema(request=StreamCreateSerializer, responses={201: STREAM})
    def post(self, request: Request) -> Response:
        creator = self.mine(request)
        data = StreamCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with field_errors():
            stream = studio.stream_schedule(creator=creator, **data.validated_data)
        return Response(selectors.stream_item(stream), status=201)


class StudioStreamView(StudioView):
    @extend_schema(request=StreamEditSerializer, responses={200: STREAM})
    def patch(self, request: Request, public_id: str) -> Response:
        stream = (
            selectors.visible_streams()
            .filter(creator=self.mine(request), public_id=public_id)
            .first()
        )
        if stream is None:
            raise NotFound("No such stream of yours.")
        data = StreamEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with field_errors():
            studio.stream_update(stream=stream, **data.validated_data)
        return Response(selectors.stream_item(stream))
