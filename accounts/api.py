"""The per-user API (``/api/me/…``, ``/api/auth/…``) and the stream gatekeeper
(``/api/stream/…``). Views adapt HTTP to ``accounts.services`` and nothing more."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import login, logout
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import (
    APIException,
    NotFound,
    ValidationError,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Title, TitleStatus
from catalog.policy import policy_of
from core.fields import ChapterNumberField, StrictCharField, StrictIntegerField, StrictRegexField
from core.pagination import StrictPageNumberPagination
from core.schema import any_of, exactly_one_of, schema_rule

from . import services
from .drf import (
    BACKEND,
    UserAPIView,
)
from .errors import AccountsError, wrong_title_kind
from .models import User, UserKind, WishlistEntry
from .selectors import history_items, history_rows, progress_item, read_item, watch_item
from .services.sessions import SiteLimits

FILE_HASH_RE = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
SHORT_ID_RE = re.compile(r"^[0-9A-Za-z]{7}$")
DEVICE_HEADER = "X-Device-Fingerprint"
# The pagination parameters of hand-paginated views, with the bounds the paginator enforces.
PAGE = OpenApiParameter("page", int, description="From 1 (at most 1,000,000)")
PAGE_SIZE = OpenApiParameter("page_size", int, description="From 1 to 100")


class AccountsAPIError(APIException):
    def __init__(self, err: AccountsError) -> None:
        super().__init__(detail=err.message, code=err.code)
        self.status_code = err.status
        if err.retry_after is not None:
            self.wait = err.retry_after  # DRF's handler turns it into Retry-After


def api_error(err: AccountsError) -> APIException:
    if err.fields:
        return ValidationError(err.fields)
    return AccountsAPIError(err)


def site_limits(request) -> SiteLimits | None:
    """The limits of the site the request is on (``request.site_limits``, set by the tenants'
    middleware for a site with a capacity tier), or None."""
    limits = getattr(request, "site_limits", None)
    return limits if isinstance(limits, SiteLimits) else None


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def me_body(user: User) -> dict[str, Any]:
    inviter = user.invited_by
    return {
        "id": str(user.telegram_id) if user.kind == UserKind.TELEGRAM else user.username,
        "kind": user.kind,
        "first_name": user.first_name,
        "role": user.effective_role,
        "premium_active": user.premium_active,
        "premium_until": _iso(user.premium_until),
        "joined_at": _iso(user.date_joined),
        "referral": {
            "code": user.referral_code,
            "invited_count": user.invited_count,
            "invited_by": inviter.telegram_id if inviter else None,
        },
        "can_stream_2160p": services.user_can_stream_quality(user=user, quality="2160p"),
        "device": {"bound": bool(user.bound_device_hash), "locked_at": _iso(user.device_locked_at)},
    }


_ME = inline_serializer(
    "Me",
    {
        "id": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=UserKind.choices),
        "first_name": serializers.CharField(),
        "role": serializers.CharField(),
        "premium_active": serializers.BooleanField(),
        "premium_until": serializers.DateTimeField(allow_null=True),
        "joined_at": serializers.DateTimeField(),
        "referral": serializers.DictField(),
        "can_stream_2160p": serializers.BooleanField(),
        "device": serializers.DictField(),
    },
)


class MePatchSerializer(serializers.Serializer):
    first_name = StrictCharField(max_length=150, allow_blank=True, trim_whitespace=True)


class MeView(UserAPIView):
    """The current user (a guest is made on the first visit)."""

    @extend_schema(responses={200: _ME})
    def get(self, request: Request) -> Response:
        return Response(me_body(self.user))

    @extend_schema(request=MePatchSerializer, responses={200: _ME})
    def patch(self, request: Request) -> Response:
        data = MePatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.user_update_profile(user=self.user, **data.validated_data)
        return Response(me_body(self.user))


class HistoryView(UserAPIView):
    """ "Continue watching": movies, series and manga in progress, latest first, with cards."""

    pagination_class = StrictPageNumberPagination

    @extend_schema(
        parameters=[
            PAGE,
            PAGE_SIZE,
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(
            history_rows(user=self.user, policy=policy_of(request)), request, view=self
        )
        return paginator.get_paginated_response(history_items(rows))


@schema_rule(any_of(("position",), ("chapter", "page")))
class ProgressSerializer(serializers.Serializer):
    position = StrictIntegerField(min_value=0, max_value=10**7, required=False)
    duration = StrictIntegerField(min_value=1, max_value=10**7, required=False)
    season = StrictIntegerField(min_value=0, max_value=10**4, required=False)
    episode = StrictIntegerField(min_value=0, max_value=10**5, required=False)
    chapter = ChapterNumberField(required=False)
    page = StrictIntegerField(min_value=1, max_value=10**5, required=False)

    def validate(self, attrs):
        if "position" not in attrs and not ("chapter" in attrs and "page" in attrs):
            raise serializers.ValidationError("Send position, or chapter and page.")
        return attrs


def _public_title(short_id: str, request: Request) -> Title:
    title = (
        Title.objects.exclude(status=TitleStatus.BANNED)
        .filter(policy_of(request).q(), short_id=short_id)
        .defer("document", "search_text")
        .first()
        if SHORT_ID_RE.match(short_id)
        else None
    )
    if title is None:
        raise NotFound("No title with this id.")
    return title


class ProgressView(UserAPIView):
    """Where the user is in a title (GET), and saving it (PUT): ``position`` (s) and, for
    series, ``season`` + ``episode``;
    for manga ``chapter`` + ``page`` (409 wrong_title_kind for a body that does not fit the
    title). Positions outside 5 to 90 % or items under 5 minutes are not kept (``kept: false``
    with the reason)."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, short_id: str) -> Response:
        """``{"progress": …}``: where you are in this title (null when nowhere yet)."""
        title = _public_title(short_id, request)
        return Response({"progress": progress_item(user=self.user, title=title)})

    @extend_schema(request=ProgressSerializer, responses={200: OpenApiTypes.OBJECT})
    def put(self, request: Request, short_id: str) -> Response:
        title = _public_title(short_id, request)
        data = ProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            if title.media_type == "manga":
                if "chapter" not in v or "page" not in v:
                    raise wrong_title_kind("This title is a manga: send chapter and page.")
                result = services.read_progress_save(
                    user=self.user, manga=title, chapter_number=v["chapter"], page=v["page"]
                )
            else:
                if "position" not in v:
                    raise wrong_title_kind("This title is a video: send position.")
                result = services.watch_progress_save(
                    user=self.user,
                    title=title,
                    position=v["position"],
                    season=v.get("season"),
                    episode_number=v.get("episode"),
                    duration=v.get("duration"),
                )
        except AccountsError as err:
            raise api_error(err) from None
        item = None
        if result.watch is not None:
            result.watch.title = title
            item = watch_item(result.watch)
        elif result.read is not None:
            result.read.manga = title
            item = read_item(result.read)
        return Response({"kept": result.kept, "reason": result.reason, "progress": item})


@schema_rule(exactly_one_of("short_id", "query"))
class WishlistAddSerializer(serializers.Serializer):
    short_id = StrictRegexField(r"^[0-9A-Za-z]{7}$", required=False, help_text="A library title")
    query = StrictRegexField(
        r"^[^\x00]*[^\s\x00][^\x00]*$",  # some text; DRF refuses a NUL anywhere
        max_length=200,
        required=False,
        help_text="The name of a title the library does not have yet",
    )

    def validate(self, attrs):
        if ("short_id" in attrs) == ("query" in attrs):
            raise serializers.ValidationError("Send either short_id or query.")
        return attrs


def wishlist_item(entry: WishlistEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title.card if entry.title_id else None,
        "query": entry.query,
        "status": entry.status,
        "notified_at": _iso(entry.notified_at),
        "created_at": _iso(entry.created_at),
    }


class WishlistView(UserAPIView):
    """Saved titles and free-text requests for titles the library does not have yet."""

    pagination_class = StrictPageNumberPagination

    def _entries(self) -> QuerySet[WishlistEntry]:
        return (
            WishlistEntry.objects.filter(user=self.user)
            .exclude(title__status=TitleStatus.BANNED)
            .select_related("title")
            .defer("title__document", "title__search_text")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        parameters=[PAGE, PAGE_SIZE],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(self._entries(), request, view=self)
        return paginator.get_paginated_response([wishlist_item(e) for e in page])

    @extend_schema(
        request=WishlistAddSerializer,
        responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        data = WishlistAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        title = _public_title(v["short_id"], request) if v.get("short_id") else None
        try:
            entry, created = services.wishlist_add(
                user=self.user, title=title, query=v.get("query", "")
            )
        except AccountsError as err:
            raise api_error(err) from None
        return Response(
            wishlist_item(entry), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        parameters=[OpenApiParameter("short_id", str, required=True)],
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        """Remove a saved title (``?short_id=``); a free-text request is removed by its id."""
        short_id = request.query_params.get("short_id")
        if short_id is None:
            raise ValidationError({"short_id": ["Required."]})
        title = _public_title(short_id, request)
        if not services.wishlist_remove(user=self.user, title=title):
            raise NotFound("Not in the wishlist.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class WishlistEntryView(UserAPIView):
    """One wishlist entry (a saved title or a free-text request), by its id."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, entry_id: int) -> Response:
        if not services.wishlist_remove(user=self.user, entry_id=entry_id):
            raise NotFound("Not in the wishlist.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeviceResetView(UserAPIView):
    """Unbind the account's device; only from the bound device (its fingerprint header)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        try:
            services.user_device_reset(
                user=self.user, fingerprint=request.headers.get(DEVICE_HEADER)
            )
        except AccountsError as err:
            raise api_error(err) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereView(UserAPIView):
    """End every session and every outstanding login link of the user, this one included."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        services.user_logout_everywhere(user=self.user)
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    authentication_classes = [SessionAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


def login_with_merge(request, user: User) -> None:
    """Log ``user`` in on this request; a guest session's data moves into the user first."""
    current = getattr(request, "user", None)
    if current is not None and current.is_authenticated and current.kind == UserKind.GUEST:
        services.guest_merge(guest=current, into=user)
    login(request, user, backend=BACKEND)


class TelegramLoginView(APIView):
    """Log in with the Telegram Login Widget's payload (id, first_name, …, auth_date, hash)."""

    authentication_classes = [SessionAuthentication]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: _ME})
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        try:
            user = services.user_login_telegram_widget(data=data)
        except AccountsError as err:
            raise api_error(err) from None
        login_with_merge(request._request, user)
        return Response(me_body(user))
