"""List filters whose choices cost no query. Django's filter on a plain text field lists the
column's distinct values (``SELECT DISTINCT`` over the whole table on every page of the list —
a third of a million media files' qualities, say); where the values are known — the qualities
we rank, the backends configured — the filter offers them as they are."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin


def fixed_filter(
    field: str, title: str, values: Callable[[], list[str]]
) -> type[admin.SimpleListFilter]:
    """A list filter on ``field`` offering ``values()`` (read when the list is shown)."""

    class FixedValues(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return [(value, value) for value in values()]

        def queryset(self, request, queryset):
            value = self.value()
            return queryset.filter(**{field: value}) if value else queryset

    FixedValues.title = title
    FixedValues.__name__ = f"{field.title().replace('_', '')}Filter"
    return FixedValues
