"""Reports API: ``POST /api/reports/`` and ``GET /api/me/reports/``.

Guests are users too: the accounts app's ``GuestSessionAuthentication`` gives a visitor with no
session a ``guest_…`` user (and the session cookie) on the spot, so both endpoints simply use
``request.user``. Banned users cannot report.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.drf import AddressThrottle, GuestSessionAuthentication, NewSessionAwareThrottle
from catalog.models import Chapter, Episode, MediaFile, Title, TitleStatus
from core.fields import ChapterNumberField, StrictCharField, StrictIntegerField, StrictRegexField
from core.schema import not_both, schema_rule, together
from medic.models import Report, ReportIssue, ReportStatus

from . import services


class ReportRateThrottle(NewSessionAwareThrottle):
    """Per user, or per client address for a visitor without a session (a new guest), in the
    shared cache (Redis in production)."""

    scope = "reports"

    def get_rate(self) -> str:
        return settings.REPORT_RATE


class ReportIPThrottle(AddressThrottle):
    """Every new report also counts against the client's address: one address cannot file
    hundreds of reports by making hundreds of accounts."""

    scope = "reports_ip"

    def get_rate(self) -> str:
        return settings.REPORT_IP_RATE


class ReportConflict(APIException):
    """A well-formed report that does not fit its target (an issue this kind of title cannot
    have, a file of another episode): a conflict with the title, not bad input."""

    status_code = 409
    default_code = "report_conflict"


class NotBanned(permissions.BasePermission):
    message = "This account is banned."

    def has_permission(self, request, view) -> bool:
        if getattr(request.user, "is_banned", False):
            raise PermissionDenied(self.message, code="banned")
        return True


@schema_rule(together("season", "episode"), not_both("chapter", "file_hash"))
class ReportInputSerializer(serializers.Serializer):
    title = StrictRegexField(r"^[0-9A-Za-z]{7}$", help_text="The title's short_id")
    issue = serializers.ChoiceField(choices=ReportIssue.choices)
    file_hash = StrictRegexField(r"^[0-9A-Za-z_-]{1,64}$", required=False)
    season = StrictIntegerField(min_value=0, max_value=10000, required=False)
    episode = StrictIntegerField(min_value=0, max_value=100000, required=False)
    chapter = ChapterNumberField(
        required=False, help_text="The chapter number (``chap`` in the title document)"
    )
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict) -> dict:
        if ("season" in attrs) != ("episode" in attrs):
            raise ValidationError({"episode": ["Give both season and episode, or neither."]})
        if "chapter" in attrs and "file_hash" in attrs:
            raise ValidationError({"chapter": ["Report a chapter, or a file, not both."]})
        return attrs


class ReportSerializer(serializers.ModelSerializer):
    """A report as its reporter sees it (target, file, issue, status)."""

    target_id = serializers.CharField(source="title.short_id", read_only=True)
    title = serializers.CharField(source="title.title", read_only=True)
    file_id = serializers.SerializerMethodField()
    episode = serializers.SerializerMethodField()
    chapter = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "target_id",
            "title",
            "target_type",
            "file_id",
            "episode",
            "chapter",
            "issue",
            "note",
            "status",
            "auto_fix_attempted",
            "created_at",
            "updated_at",
            "resolved_at",
        ]

    def get_file_id(self, obj: Report) -> str | None:
        return obj.media_file.file_hash if obj.media_file_id else None

    def get_episode(self, obj: Report) -> dict | None:
        if obj.episode_id is None:
            return None
        return {"season": obj.episode.season, "number": obj.episode.number}

    def get_chapter(self, obj: Report) -> float | None:
        return float(obj.chapter.number) if obj.chapter_id else None


def _resolve_target(data: dict) -> dict:
    title = Title.objects.exclude(status=TitleStatus.BANNED).filter(short_id=data["title"]).first()
    if title is None:
        raise NotFound("No title with this id.")
    target: dict = {"title": title, "media_file": None, "episode": None, "chapter": None}
    if "file_hash" in data:
        target["media_file"] = MediaFile.objects.filter(
            title=title, file_hash=data["file_hash"]
        ).first()
        if target["media_file"] is None:
            raise NotFound("This title has no file with this hash.")
    if "season" in data:
        target["episode"] = Episode.objects.filter(
            series=title, season=data["season"], number=data["episode"]
        ).first()
        if target["episode"] is None:
            raise NotFound("This title has no such episode.")
    if "chapter" in data:
        target["chapter"] = Chapter.objects.filter(manga=title, number=data["chapter"]).first()
        if target["chapter"] is None:  # a movie or series has none
            raise NotFound("This title has no such chapter.")
    return target


def _report_queryset():
    return Report.objects.select_related("title", "media_file", "episode", "chapter").only(
        "id",
        "target_type",
        "issue",
        "note",
        "status",
        "auto_fix_attempted",
        "created_at",
        "updated_at",
        "resolved_at",
        "title__short_id",
        "title__title",
        "media_file__file_hash",
        "episode__season",
        "episode__number",
        "chapter__number",
    )


class ReportCreateView(generics.GenericAPIView):
    """Report a problem. 201 with the new report; 200 with the open one when this user
    already reported the same target and issue."""

    serializer_class = ReportInputSerializer
    authentication_classes = [GuestSessionAuthentication]
    permission_classes = [permissions.IsAuthenticated, NotBanned]
    throttle_classes = [ReportRateThrottle, ReportIPThrottle]

    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = _resolve_target(data)
        try:
            report, created = services.report_create(
                actor=request.user, issue=data["issue"], note=data["note"], **target
            )
        except DjangoValidationError as exc:
            raise ReportConflict(" ".join(exc.messages)) from exc
        report = _report_queryset().get(pk=report.pk)
        return Response(
            ReportSerializer(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MyReportsView(generics.ListAPIView):
    """The current user's reports, newest first, with their status."""

    serializer_class = ReportSerializer
    authentication_classes = [GuestSessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        qs = _report_queryset().filter(reported_by=self.request.user).order_by("-created_at", "-id")
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in ReportStatus.values:
                raise ValidationError({"status": [f"One of {', '.join(ReportStatus.values)}."]})
            qs = qs.filter(status=wanted)
        return qs
