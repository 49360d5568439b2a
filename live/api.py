"""``/api/live/``: the feeds (live now, by category, following, trending, latest, scheduled),
a stream, its chat history, likes, creators, their streams and follows. Lists take ``page``
and ``limit``. Views adapt HTTP to ``live.selectors`` and ``live.services``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.drf import PublicReadView
from core.pagination import StrictPageNumberPagination
from core.parsing import ascii_int

from . import chat, mature, reports, selectors, services
from .models import Creator, ShareChannel, Stream, StreamReportReason


class LimitPagination(StrictPageNumberPagination):
    page_size = 20
    page_size_query_param = "limit"


class LiveView(PublicReadView):
    """Reads need no session; writes (like, follow) make a guest for a visitor with a cookie
    but no account."""


class LiveConflict(APIException):
    status_code = 409
    default_code = "conflict"


STATUS = {"conflict": LiveConflict, "not_found": NotFound, "forbidden": PermissionDenied}


def django_errors(exc: DjangoValidationError) -> APIException:
    """A service's ``ValidationError`` as the API's error: a field error (400), or — by the
    error's ``code`` — a 409 (conflicts with what exists), 404 or 403."""
    errors = exc.error_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.error_list}
    for items in errors.values():
        for error in items:
            if error.code in STATUS:
                return STATUS[error.code](" ".join(error.messages))
    return ValidationError({k: [m for e in v for m in e.messages] for k, v in errors.items()})


@contextmanager
def field_errors() -> Iterator[None]:
    """A service's ``ValidationError`` as the API's 400 with field errors."""
    try:
        yield
    except DjangoValidationError as exc:
        raise django_errors(exc) from None


def page_of(view: APIView, request: Request, queryset: Any, item: Any) -> Response:
    paginator = LimitPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response([item(row) for row in page])


def stream_or_404(public_id: str) -> Stream:
    stream = selectors.stream_visible(public_id)
    if stream is None:
        raise NotFound("No such stream.")
    return stream


def creator_or_404(creator_id: int) -> Creator:
    creator = selectors.creator_visible(creator_id)
    if creator is None:
        raise NotFound("No such channel.")
    return creator


_CATEGORY = inline_serializer(
    "LiveCategory",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "image": serializers.CharField(allow_blank=True),
        "cover_photo": serializers.CharField(allow_blank=True),
    },
)
_STREAM_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.CharField(),
    "title": serializers.CharField(),
    "description": serializers.CharField(allow_blank=True),
    "status": serializers.ChoiceField(choices=["live", "offline", "scheduled"]),
    "is_public": serializers.BooleanField(),
    "is_mature": serializers.BooleanField(),
    "is_reported": serializers.BooleanField(),
    "who_can_message": serializers.ChoiceField(choices=["everyone", "followers"]),
    "slow_mode_seconds": serializers.IntegerField(),
    "thumbnail": serializers.CharField(allow_blank=True),
    "category": _CATEGORY.__class__(allow_null=True),
    "creator": inline_serializer(
        "LiveStreamCreator",
        {
            "id": serializers.IntegerField(),
            "channel_name": serializers.CharField(),
            "profile_photo": serializers.CharField(allow_blank=True),
        },
    ),
    "started_at": serializers.DateTimeField(allow_null=True),
    "ended_at": serializers.DateTimeField(allow_null=True),
    "scheduled_at": serializers.DateTimeField(allow_null=True),
    "duration_seconds": serializers.IntegerField(),
    "current_viewers": serializers.IntegerField(),
    "peak_viewers": serializers.IntegerField(),
    "total_views": serializers.IntegerField(),
    "total_likes": serializers.IntegerField(),
    "total_shares": serializers.IntegerField(),
    "total_comments": serializers.IntegerField(),
    "playback_url": serializers.CharField(allow_null=True),
    "recording_url": serializers.CharField(allow_null=True),
    "created_at": serializers.DateTimeField(),
}
STREAM = inline_serializer("LiveStream", _STREAM_FIELDS)
_STREAM_DETAIL = inline_serializer(
    "LiveStreamDetail",
    {
        **_STREAM_FIELDS,
        "liked_by_me": serializers.BooleanField(),
        "following": serializers.BooleanField(),
        "reported_by_me": serializers.BooleanField(),
    },
)
CREATOR_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.IntegerField(),
    "channel_name": serializers.CharField(),
    "description": serializers.CharField(allow_blank=True),
    "profile_photo": serializers.CharField(allow_blank=True),
    "cover_photo": serializers.CharField(allow_blank=True),
    "social_accounts": serializers.ListField(child=serializers.DictField()),
    "total_followers": serializers.IntegerField(),
    "total_streams": serializers.IntegerField(),
    "total_stream_views": serializers.IntegerField(),
    "total_likes": serializers.IntegerField(),
    "created_at": serializers.DateTimeField(),
}
_CREATOR = inline_serializer(
    "LiveCreator",
    {
        **CREATOR_FIELDS,
        "is_live": serializers.BooleanField(),
        "following": serializers.BooleanField(),
    },
)
_MESSAGE = inline_serializer(
    "LiveChatMessage",
    {
        "type": serializers.ChoiceField(choices=["message"]),
        "id": serializers.IntegerField(),
        "user": inline_serializer(
            "LiveChatAuthor",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "avatar_seed": serializers.CharField(),
                "is_creator": serializers.BooleanField(),
            },
            allow_null=True,
        ),
        "message": serializers.CharField(),
        "message_type": serializers.ChoiceField(choices=["text", "system"]),
        "created_at": serializers.DateTimeField(),
    },
)


def paged(name: str, item: Any) -> Any:
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True),
            "results": item.__class__(many=True),
        },
    )


PAGING = [
    OpenApiParameter("page", int, description="From 1"),
    OpenApiParameter("limit", int, description="From 1 to 100 (default 20)"),
]


MATURE = OpenApiParameter(
    "mature", str, enum=list(mature.CHOICES),
    description="hide: leave mature streams out (default: the visitor's choice, else shown)",
)  # fmt: skip


def hide_mature(request: Request) -> bool:
    """Whether this list leaves mature streams out: ``mature=hide|show``, else the visitor's
    remembered choice."""
    asked = request.query_params.get("mature")
    if asked is None:
        return mature.hides(request)
    if asked not in mature.CHOICES:
        raise ValidationError({"mature": [f"One of {', '.join(mature.CHOICES)}."]})
    return asked == "hide"


class MatureIn(serializers.Serializer):
    choice = serializers.ChoiceField(choices=list(mature.CHOICES))


class MatureView(LiveView):
    """The visitor's mature-content choice (``show``: an adult, mature streams play and are
    listed; ``hide``: left out of feeds and gated), remembered in a cookie for a year."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response({"choice": mature.choice_of(request) or None})

    @extend_schema(request=MatureIn, responses={200: OpenApiTypes.OBJECT})
    def put(self, request: Request) -> Response:
        checked = MatureIn(data=request.data)
        checked.is_valid(raise_exception=True)
        response = Response({"choice": checked.validated_data["choice"]})
        mature.choice_remember(response, choice=checked.validated_data["choice"])
        return response


class CategoriesView(LiveView):
    """The active categories (admin-managed), by name."""

    @extend_schema(parameters=PAGING, responses={200: paged("LiveCategoryPage", _CATEGORY)})
    def get(self, request: Request) -> Response:
        return page_of(self, request, selectors.categories(), selectors.category_item)


class StreamsView(LiveView):
    """A feed: ``live`` (live now, newest first — the default), ``trending`` (most views),
    ``latest`` or ``scheduled`` (soonest first); ``category=<id>`` narrows any of them."""

    @extend_schema(
        parameters=[
            OpenApiParameter("feed", str, enum=list(selectors.FEEDS)),
            OpenApiParameter("category", int, description="A category id"),
            MATURE,
            *PAGING,
        ],
        responses={200: paged("LiveStreamPage", STREAM)},
    )
    def get(self, request: Request) -> Response:
        name = request.query_params.get("feed", "live")
        if name not in selectors.FEEDS:
            raise ValidationError({"feed": [f"One of {', '.join(selectors.FEEDS)}."]})
        category = None
        if "category" in request.query_params:
            category = ascii_int(request.query_params["category"])
            if category is None or category < 1:
                raise ValidationError({"category": ["A category id."]})
        streams = selectors.feed(name=name, category_id=category, hide_mature=hide_mature(request))
        return page_of(self, request, streams, selectors.stream_item)


class FollowingView(LiveView):
    """Streams of the channels you follow: live ones first, then the newest."""

    def get_permissions(self):
        return [IsAuthenticated()]

    @extend_schema(
        parameters=[MATURE, *PAGING], responses={200: paged("LiveFollowingPage", STREAM)}
    )
    def get(self, request: Request) -> Response:
        streams = selectors.following_feed(user=request.user, hide_mature=hide_mature(request))
        return page_of(self, request, streams, selectors.stream_item)


class StreamView(LiveView):
    @extend_schema(responses={200: _STREAM_DETAIL})
    def get(self, request: Request, public_id: str) -> Response:
        stream = stream_or_404(public_id)
        return Response(
            {
                **selectors.stream_item(stream),
                **selectors.viewer_state(user=request.user, stream=stream),
            }
        )


class StreamLikeView(LiveView):
    """Like (PUT) or unlike (DELETE) a stream; both idempotent."""

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def put(self, request: Request, public_id: str) -> Response:
        stream = stream_or_404(public_id)
        services.like_set(user=request.user, stream=stream, liked=True)
        stream.refresh_from_db(fields=["total_likes"])
        return Response({"liked_by_me": True, "total_likes": stream.total_likes})

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def delete(self, request: Request, public_id: str) -> Response:
        stream = stream_or_404(public_id)
        services.like_set(user=request.user, stream=stream, liked=False)
        stream.refresh_from_db(fields=["total_likes"])
        return Response({"liked_by_me": False, "total_likes": stream.total_likes})


class ShareIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ShareChannel.values)


class StreamShareView(LiveView):
    """A share of the stream (``{"channel": "link" | "telegram"}``), counted once per visitor."""

    @extend_schema(
        request=ShareIn,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, public_id: str) -> Response:
        stream = stream_or_404(public_id)
        checked = ShareIn(data=request.data)
        checked.is_valid(raise_exception=True)
        counted = services.share_record(
            user=request.user, stream=stream, channel=checked.validated_data["channel"]
        )
        stream.refresh_from_db(fields=["total_shares"])
        return Response({"counted": counted, "total_shares": stream.total_shares})


class ReportIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=StreamReportReason.values)
    note = serializers.CharField(max_length=reports.NOTE_MAX, required=False, allow_blank=True)


class StreamReportView(LiveView):
    """Report the stream to the moderators (``{"reason", "note"}``); once per viewer — a second
    report changes nothing (``counted`` is false)."""

    @extend_schema(request=ReportIn, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, public_id: str) -> Response:
        stream = stream_or_404(public_id)
        checked = ReportIn(data=request.data)
        checked.is_valid(raise_exception=True)
        try:
            counted = reports.stream_report(user=request.user, stream=stream,
                                            **checked.validated_data)  # fmt: skip
        except DjangoValidationError as exc:
            raise django_errors(exc) from exc
        return Response({"counted": counted, "reported_by_me": True})


class ChatHistoryView(LiveView):
    """The stream's recent chat, newest first (moderated lines left out)."""

    @extend_schema(parameters=PAGING, responses={200: paged("LiveChatPage", _MESSAGE)})
    def get(self, request: Request, public_id: str) -> Response:
        stream = stream_or_404(public_id)
        return page_of(self, request, chat.history(stream=stream), chat.message_item)


class CreatorView(LiveView):
    @extend_schema(responses={200: _CREATOR})
    def get(self, request: Request, creator_id: int) -> Response:
        creator = creator_or_404(creator_id)
        following = selectors.follows(user=request.user, creator_id=creator.pk)
        item = selectors.creator_item(creator, is_live=selectors.is_live(creator))
        return Response({**item, "following": following})


class CreatorStreamsView(LiveView):
    @extend_schema(
        parameters=[MATURE, *PAGING], responses={200: paged("LiveCreatorStreamPage", STREAM)}
    )
    def get(self, request: Request, creator_id: int) -> Response:
        creator = creator_or_404(creator_id)
        streams = selectors.creator_streams(creator=creator, hide_mature=hide_mature(request))
        return page_of(self, request, streams, selectors.stream_item)


class FollowView(LiveView):
    """Follow (PUT) or unfollow (DELETE) a channel; both idempotent."""

    def _set(self, request: Request, creator_id: int, following: bool) -> Response:
        creator = creator_or_404(creator_id)
        with field_errors():
            services.follow_set(user=request.user, creator=creator, following=following)
        creator.refresh_from_db(fields=["total_followers"])
        return Response({"following": following, "total_followers": creator.total_followers})

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def put(self, request: Request, creator_id: int) -> Response:
        return self._set(request, creator_id, True)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def delete(self, request: Request, creator_id: int) -> Response:
        return self._set(request, creator_id, False)
