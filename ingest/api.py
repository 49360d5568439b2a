"""Crowdsourced submissions: ``POST /api/submissions/`` (signed-in users, rate-limited) puts
a link in quarantine; ``GET /api/submissions/`` lists the caller's own, with the review
outcome (status, reason)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from rest_framework import generics, permissions, serializers

from accounts.drf import AddressThrottle, NewSessionAwareThrottle
from core.fields import StrictCharField
from ingest.models import Submission
from ingest.submissions import submission_create
from ingest.torrents import torrent_link_error


class SubmissionThrottle(NewSessionAwareThrottle):
    """``SUBMISSION_RATE`` per user (e.g. "10/hour"), on POST only; counted in Redis."""

    scope = "submissions"

    def get_rate(self) -> str:
        return settings.SUBMISSION_RATE

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class SubmissionIPThrottle(AddressThrottle):
    """Every new submission also counts against the client's address."""

    scope = "submissions_ip"

    def get_rate(self) -> str:
        return settings.SUBMISSION_IP_RATE

    def allow_request(self, request, view) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


class SubmissionSerializer(serializers.ModelSerializer):
    url = StrictCharField(max_length=1000, help_text="An http(s) link, a .torrent or a magnet")
    title_hint = StrictCharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = Submission
        fields = ["id", "url", "title_hint", "status", "reject_reason", "created_at", "reviewed_at"]
        read_only_fields = ["id", "status", "reject_reason", "created_at", "reviewed_at"]

    def validate_url(self, value: str) -> str:
        if value.startswith("magnet:"):
            problem = torrent_link_error(value)
            if problem:
                raise serializers.ValidationError(problem)
            return value
        try:
            URLValidator(schemes=["http", "https"])(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                "Only http and https links (a file or a .torrent) and magnet links are accepted."
            ) from exc
        return value


class SubmissionListCreate(generics.ListCreateAPIView):
    serializer_class = SubmissionSerializer
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [SubmissionThrottle, SubmissionIPThrottle]

    def get_queryset(self):
        return Submission.objects.filter(user=self.request.user).order_by("-created_at", "-id")

    def perform_create(self, serializer: SubmissionSerializer) -> None:
        serializer.instance = submission_create(
            user=self.request.user,
            url=serializer.validated_data["url"],
            title_hint=serializer.validated_data.get("title_hint", ""),
        )
