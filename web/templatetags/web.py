"""Template filters of the site's pages."""

from __future__ import annotations

from urllib.parse import quote

from django import template

register = template.Library()


@register.filter
def img(ref: str | None) -> str:
    """An image of the document (a vault ref, or an outside URL) as a URL a page can load."""
    if not ref:
        return ""
    if ref.startswith(("https://", "http://")):
        return ref
    return "/api/img/" + quote(ref, safe="")


@register.filter
def minutes(seconds: float | None) -> str:
    if not seconds:
        return ""
    return f"{int(seconds) // 60} min"
