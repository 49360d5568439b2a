"""Public catalog API: title cards, the title document, genres."""

from __future__ import annotations

import django_filters
from django.db.models import F
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import BaseFilterBackend
from rest_framework.request import Request
from rest_framework.views import APIView

from .models import ContentRating, Genre, MediaType, Title, TitleStatus
from .policy import policy_of
from .selectors import document_answer, public_titles, title_document_bytes, title_search


@extend_schema_field({"type": "integer", "minimum": 1870, "maximum": 2100})
class YearFilter(django_filters.NumberFilter):
    """A release year (the schema states the bounds the form enforces)."""


@extend_schema_field({"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*$"})
class TextFilter(django_filters.CharFilter):
    """Free text (no NUL characters, which the form refuses; the schema says so)."""


class TitleFilter(django_filters.FilterSet):
    media_type = django_filters.ChoiceFilter(choices=MediaType.choices)
    genre = TextFilter(method="filter_genre", max_length=200, help_text="Genre slug")
    year = YearFilter(min_value=1870, max_value=2100)
    content_rating = django_filters.ChoiceFilter(choices=ContentRating.choices)
    status = django_filters.ChoiceFilter(
        choices=[c for c in TitleStatus.choices if c[0] != TitleStatus.BANNED]
    )
    search = TextFilter(
        method="filter_search", max_length=200, help_text="Typo-tolerant; results ranked"
    )

    class Meta:
        model = Title
        fields: list[str] = []

    CHOICES = ("media_type", "content_rating", "status")

    def is_valid(self) -> bool:
        valid = super().is_valid()
        # An empty choice ("?status=") is not "any": it is not one of the choices (400).
        for name in self.CHOICES:
            if self.data.get(name, None) == "":
                self.form.add_error(name, "Choose one of the listed values.")
                valid = False
        return valid

    def filter_genre(self, queryset, name, value):
        return queryset.filter(genres__slug=value)

    def filter_search(self, queryset, name, value):
        return title_search(queryset, value)


class OrderingFilter(BaseFilterBackend):
    """``?ordering=-rating,year`` over the view's ``ordering_map`` (public name → field).
    Unknown names are a 400, not silently ignored. Without it: search rank when searching,
    else newest first."""

    param = "ordering"

    def filter_queryset(self, request, queryset, view):
        mapping: dict[str, str] = view.ordering_map
        raw = request.query_params.get(self.param)
        if raw is None:
            return queryset if request.query_params.get("search") else queryset.order_by("-id")
        names = [n.strip() for n in raw.split(",") if n.strip()]
        if not names or any(n.lstrip("-") not in mapping for n in names):
            raise ValidationError(
                {self.param: [f"Order by {', '.join(mapping)}; prefix '-' for descending."]}
            )
        order = [
            F(mapping[n[1:]]).desc(nulls_last=True)
            if n.startswith("-")
            else F(mapping[n]).asc(nulls_last=True)
            for n in names
        ]
        return queryset.order_by(*order, "-id")

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": f"Comma-separated: {', '.join(view.ordering_map)} ('-' descends)",
                "schema": {"type": "string", "pattern": _ordering_pattern(view.ordering_map)},
            }
        ]


def _ordering_pattern(mapping: dict[str, str]) -> str:
    name = f"-?({'|'.join(mapping)})"
    return f"^{name}(,{name})*$"


class TitleCardSerializer(serializers.Serializer):
    """A list card, read from the materialized ``Title.card``."""

    short_id = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    media_type = serializers.ChoiceField(choices=MediaType.choices)
    poster = serializers.CharField(allow_null=True)
    rating = serializers.FloatField(allow_null=True)
    genres = serializers.ListField(child=serializers.CharField())
    content_rating = serializers.CharField()
    status = serializers.CharField()
    qualities = serializers.ListField(child=serializers.CharField())

    def to_representation(self, instance: Title) -> dict:
        return instance.card


class TitleListView(generics.ListAPIView):
    """Paginated title cards with filters, ordering and search."""

    serializer_class = TitleCardSerializer
    filterset_class = TitleFilter
    filter_backends = [*generics.ListAPIView.filter_backends, OrderingFilter]
    ordering_map = {"created": "created_at", "rating": "rating", "views": "views", "year": "year"}

    def get_queryset(self):
        return public_titles().filter(policy_of(self.request).q()).only("id", "card")


class TitleDetailView(APIView):
    """The whole title document. One indexed query, none when cached; banned titles, titles
    the site's catalog policy hides and unknown ids are all 404. The document is the same for
    everyone, so the view does not authenticate: a signed-in visitor costs no session or user
    query either. The cache keeps the facts a policy looks at beside the body."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, short_id: str) -> HttpResponse:
        body = title_document_bytes(short_id, policy=policy_of(request))
        if body is None:
            raise NotFound("No title with this id.")
        status, headers = document_answer(body, request.headers.get("If-None-Match", ""))
        if status == 304:
            return HttpResponse(status=304, headers=headers)
        return HttpResponse(body, content_type="application/json", headers=headers)


class GenreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Genre
        fields = ["slug", "name"]


class GenreListView(generics.ListAPIView):
    serializer_class = GenreSerializer
    queryset = Genre.objects.order_by("name")
    filter_backends: list = []
