"""Intro timings from viewers: ``PUT``/``DELETE /api/titles/{short_id}/intro/`` and
``…/episodes/{season}/{number}/intro/``. One vote per visitor per target (a new one replaces
it); the answer carries what is published now (the median when enough votes agree, or an
editor's pin). A vote that does not fit — ending before it starts, longer than
``INTRO_MAX_SECONDS``, past the end of the video, on a manga — is a 409 ``invalid_intro``
(the schema cannot state these rules, and the body itself is well-formed)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.drf import GuestSessionAuthentication
from catalog import services as catalog
from catalog.models import Episode, Title, TitleStatus
from catalog.policy import policy_of
from core.fields import StrictIntegerField


class InvalidIntro(APIException):
    status_code = 409
    default_code = "invalid_intro"


class IntroVoteSerializer(serializers.Serializer):
    start = StrictIntegerField(min_value=0, max_value=24 * 3600)
    end = StrictIntegerField(min_value=1, max_value=24 * 3600)


_ANSWER = inline_serializer(
    "IntroVoteAnswer",
    {
        "vote": inline_serializer(
            "IntroVoteValue",
            {"start": serializers.IntegerField(), "end": serializers.IntegerField()},
        ),
        "intro_timings": serializers.DictField(allow_null=True),
    },
)


def _target(
    short_id: str, season: int | None, number: int | None, request: Request
) -> tuple[Title, Any]:
    title = (
        Title.objects.exclude(status=TitleStatus.BANNED)
        .filter(policy_of(request).q(), short_id=short_id)
        .first()
    )
    if title is None:
        raise NotFound("No title with this id.")
    if season is None:
        return title, None
    episode = Episode.objects.filter(series=title, season=season, number=number).first()
    if episode is None:
        raise NotFound("This title has no such episode.")
    return title, episode


def _published(title: Title, episode: Any) -> dict[str, Any] | None:
    title.refresh_from_db(fields=["document"])
    if episode is None:
        return title.document.get("intro_timings")
    for entry in title.document.get("seasons", {}).get(str(episode.season), []):
        if entry["episode"] == episode.number:
            return entry.get("intro_timings")
    return None


class IntroVoteView(APIView):
    """Your intro timing for this title (or episode)."""

    authentication_classes = [GuestSessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=IntroVoteSerializer, responses={200: _ANSWER})
    def put(
        self, request: Request, short_id: str, season: int | None = None, number: int | None = None
    ) -> Response:
        data = IntroVoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        title, episode = _target(short_id, season, number, request)
        if request.user.is_banned:
            raise PermissionDenied("This account is banned.", code="banned")
        try:
            vote = catalog.intro_vote_cast(
                title=title, episode=episode, user=request.user, **data.validated_data
            )
        except DjangoValidationError as exc:
            raise InvalidIntro(" ".join(exc.messages)) from None
        return Response(
            {
                "vote": {"start": vote.start, "end": vote.end},
                "intro_timings": _published(title, episode),
            }
        )

    @extend_schema(request=None, responses={204: None})
    def delete(
        self, request: Request, short_id: str, season: int | None = None, number: int | None = None
    ) -> Response:
        title, episode = _target(short_id, season, number, request)
        catalog.intro_vote_withdraw(title=title, episode=episode, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
