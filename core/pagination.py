from __future__ import annotations

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from core.parsing import ascii_int

MAX_PAGE = 1_000_000


class StrictPageNumberPagination(PageNumberPagination):
    """Page-number pagination whose bad ``page``/``page_size`` values are a 400 with a field
    error (DRF's default answers 404 for a non-number page and ignores a bad page size)."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1, "maximum": MAX_PAGE},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for param in params:
            param["schema"] = {**param["schema"], **bounds.get(param["name"], {})}
        return params

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = ascii_int(raw)
        if size is None or not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "1")
        number = ascii_int(raw)
        if number is None or not 1 <= number <= MAX_PAGE:
            raise ValidationError({"page": [f"Must be a whole number from 1 to {MAX_PAGE}."]})
        paginator = self.django_paginator_class(queryset, page_size)
        try:
            self.page = paginator.page(number)
        except InvalidPage as exc:
            # A well-formed page past the end: nothing there (404), not bad input (400).
            raise NotFound(f"Page {number} is past the last page ({paginator.num_pages}).") from exc
        return list(self.page)
