"""``/api/comments/``: list (newest or top, cursor-paginated, ``until=`` for the timeline),
create, edit, delete, like, flag; and the viewer's reply-notification setting. Views adapt
HTTP to ``community.services`` and nothing more."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.drf import AddressThrottle, NewSessionAwareThrottle, PublicReadView
from catalog.policy import policy_of
from core.fields import PlainTextField, StrictBooleanField, StrictIntegerField, StrictRegexField
from core.parsing import ascii_int

from . import services
from .errors import CommunityError
from .selectors import comment_item, comments_count, comments_for, liked_ids, reached_second
from .services.comments import TARGET
from .text import HTML


class CommunityAPIError(APIException):
    def __init__(self, err: CommunityError) -> None:
        super().__init__(detail=err.message, code=err.code)
        self.status_code = err.status


def api_error(err: CommunityError) -> APIException:
    if err.field:
        return ValidationError({err.field: [err.message]})
    return CommunityAPIError(err)


class CommentRateThrottle(NewSessionAwareThrottle):
    scope = "comments"

    def get_rate(self) -> str:
        return settings.COMMENT_RATE


class CommentIPThrottle(AddressThrottle):
    """Every new comment also counts against the client's address."""

    scope = "comments_ip"

    def get_rate(self) -> str:
        return settings.COMMENT_IP_RATE


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class TopFirst(NewestFirst):
    ordering = ("-likes", "-id")


class CommunityView(PublicReadView):
    """Reads need no session; writes make a guest for a visitor with a cookie but no
    account."""


_COMMENT = inline_serializer(
    "Comment",
    {
        "id": serializers.IntegerField(),
        "nickname": serializers.CharField(),
        "avatar_seed": serializers.CharField(),
        "body": serializers.CharField(allow_blank=True),
        "segments": inline_serializer(
            "CommentSegment",
            {"text": serializers.CharField(), "spoiler": serializers.BooleanField()},
            many=True,
        ),
        "is_spoiler": serializers.BooleanField(),
        "timestamp": serializers.IntegerField(allow_null=True),
        "likes": serializers.IntegerField(),
        "liked_by_me": serializers.BooleanField(),
        "reply_count": serializers.IntegerField(),
        "parent": serializers.IntegerField(allow_null=True),
        "created_at": serializers.DateTimeField(),
        "edited": serializers.BooleanField(),
        "moderation_status": serializers.ChoiceField(choices=["active", "flagged", "deleted"]),
        "hidden": serializers.ChoiceField(
            choices=["flagged", "deleted", "not_reached"], allow_null=True
        ),
    },
)
_PAGE = inline_serializer(
    "CommentPage",
    {
        "count": serializers.IntegerField(),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "results": _COMMENT.__class__(many=True),  # the same component, as a list
    },
)
TARGET_HELP = "title:<short_id>, episode:<id> or chapter:<id>"
TARGET_PATTERN = TARGET.pattern


class CommentCreateSerializer(serializers.Serializer):
    target = StrictRegexField(TARGET_PATTERN, help_text=TARGET_HELP)
    body = PlainTextField(max_length=settings.COMMENT_MAX_LENGTH, refuse=HTML.pattern)
    timestamp = StrictIntegerField(min_value=0, max_value=24 * 3600, required=False)
    parent = StrictIntegerField(min_value=1, max_value=2**63 - 1, required=False)
    is_spoiler = StrictBooleanField(required=False, default=False)


class CommentEditSerializer(serializers.Serializer):
    body = PlainTextField(
        max_length=settings.COMMENT_MAX_LENGTH, refuse=HTML.pattern, required=False
    )
    is_spoiler = StrictBooleanField(required=False)


class FlagSerializer(serializers.Serializer):
    reason = PlainTextField(max_length=300)


class SettingsSerializer(serializers.Serializer):
    replies_muted = StrictBooleanField()


def _user(request: Request) -> Any:
    user = request.user
    return user if user is not None and user.is_authenticated else None


class CommentsView(CommunityView):
    """Comments on a title, episode or chapter (top level; ``parent=`` for one thread's
    replies). ``until=<second>``: only timeline comments at or before that second. Otherwise a
    timeline comment the viewer has not reached (by their saved progress) comes back with its
    text hidden (``hidden: "not_reached"``)."""

    def get_throttles(self):
        if self.request.method == "POST":
            return [CommentRateThrottle(), CommentIPThrottle()]
        return []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "target", str, required=True, description=TARGET_HELP, pattern=TARGET_PATTERN
            ),
            OpenApiParameter("ordering", str, enum=["new", "top"]),
            OpenApiParameter("until", int, description="A video second (0 to 86400)"),
            OpenApiParameter("parent", int, description="A comment id: its replies"),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int, description="From 1 to 100"),
        ],
        responses={200: _PAGE},
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        try:
            target = services.target_resolve(query.get("target", ""), policy=policy_of(request))
        except CommunityError as err:
            raise api_error(err) from None
        ordering = query.get("ordering", "new")
        if ordering not in ("new", "top"):
            raise ValidationError({"ordering": ["new or top."]})
        until = _bounded(query, "until", 24 * 3600)
        parent = _bounded(query, "parent", 2**63 - 1)
        paginator = (TopFirst if ordering == "top" else NewestFirst)()
        page = paginator.paginate_queryset(
            comments_for(target=target, parent_id=parent, until=until), request, view=self
        )
        user = _user(request)
        liked = liked_ids(user=user, comments=page)
        reached = None if until is not None else reached_second(user=user, target=target)
        response = paginator.get_paginated_response(
            [comment_item(c, liked=liked, reached=reached) for c in page]
        )
        response.data = {"count": comments_count(target), **response.data}
        return response

    @extend_schema(request=CommentCreateSerializer, responses={201: _COMMENT})
    def post(self, request: Request) -> Response:
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            target = services.target_resolve(v["target"], policy=policy_of(request))
            comment = services.comment_create(
                user=request.user,
                target=target,
                body=v["body"],
                timestamp=v.get("timestamp"),
                parent_id=v.get("parent"),
                is_spoiler=v["is_spoiler"],
            )
        except CommunityError as err:
            raise api_error(err) from None
        return Response(comment_item(comment, liked=set(), reached=None), status=201)


def _bounded(query: Any, name: str, maximum: int) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    value = ascii_int(raw)
    if value is None or value > maximum:
        raise ValidationError({name: [f"A whole number from 0 to {maximum}."]})
    return value


def _comment(comment_id: int, request: Request) -> Any:
    try:
        return services.comment_get(comment_id, policy=policy_of(request))
    except CommunityError as err:
        raise api_error(err) from None


class CommentView(CommunityView):
    """Your comment: edit it (within the edit window) or delete it."""

    @extend_schema(request=CommentEditSerializer, responses={200: _COMMENT})
    def patch(self, request: Request, comment_id: int) -> Response:
        data = CommentEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            comment = services.comment_edit(
                user=request.user, comment=_comment(comment_id, request), **data.validated_data
            )
        except CommunityError as err:
            raise api_error(err) from None
        return Response(comment_item(comment, liked=set(), reached=None))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, comment_id: int) -> Response:
        try:
            services.comment_delete(user=request.user, comment=_comment(comment_id, request))
        except CommunityError as err:
            raise api_error(err) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class LikeView(CommunityView):
    """Like (PUT) or unlike (DELETE); both idempotent."""

    @extend_schema(request=None, responses={204: None})
    def put(self, request: Request, comment_id: int) -> Response:
        try:
            services.like_add(user=request.user, comment=_comment(comment_id, request))
        except CommunityError as err:
            raise api_error(err) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, comment_id: int) -> Response:
        services.like_remove(user=request.user, comment=_comment(comment_id, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FlagView(CommunityView):
    """Report a comment to the moderators (once per visitor)."""

    @extend_schema(request=FlagSerializer, responses={204: None})
    def post(self, request: Request, comment_id: int) -> Response:
        data = FlagSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.flag_add(
                user=request.user,
                comment=_comment(comment_id, request),
                reason=data.validated_data["reason"],
            )
        except CommunityError as err:
            raise api_error(err) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class SettingsView(CommunityView):
    """The viewer's community settings: a DM from the bot when someone replies, or not."""

    @extend_schema(request=SettingsSerializer, responses={200: OpenApiTypes.OBJECT})
    def put(self, request: Request) -> Response:
        data = SettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.replies_mute(
            user=request.user, muted=data.validated_data["replies_muted"]
        )
        return Response({"replies_muted": member.replies_muted})
