"""The admin theme (django-unfold 0.91) at list speed: what it renders again for every row of
a changelist that depends on far less than the row, rendered once (bench/admin.py measured each
at 100 rows a page):

- the column headers, built again for every row (a quarter of a long list's render);
- the selection checkbox, a form widget rendered through the template engine per row;
- the yes/no icon, a template rendered per boolean cell, though it has three states;
- and, for our own columns, a link to another admin page (``admin_url``), reversed once.

And a list states the heavy columns of its rows' related rows it never shows (``list_defer``:
a title's document and card, a file's Telegram record), which its query then leaves out —
sorting 20,000 comments joined with their titles' documents took twice as long as without.

Each stand-in returns exactly what the theme's own function would (tested against it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote as url_quote

from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from unfold import utils as unfold_utils
from unfold.admin import checkbox
from unfold.templatetags import unfold_list
from unfold.views import ChangeList

_result_headers = unfold_list.result_headers
_boolean_icon = unfold_utils._boolean_icon
_icons: dict[tuple[str | None, bool | None], str] = {}
_MARK = "__row_pk__"
_checkboxes: dict[str | None, str] = {}


def result_headers_once(cl: Any):
    headers = getattr(cl, "_headers_once", None)
    if headers is None:
        headers = cl._headers_once = list(_result_headers(cl))
    return iter(headers)  # callers copy the list and only read it


def boolean_icon(value: Any) -> str:
    """The theme's icon for ``value``: unknown (None or ""), yes or no, in the language of the
    request."""
    state = None if value is None or value == "" else bool(value)
    key = (get_language(), state)
    icon = _icons.get(key)
    if icon is None:
        icon = _icons[key] = _boolean_icon(state)
    return icon


def row_checkbox(pk: Any) -> SafeString:
    """The theme's selection checkbox of the row ``pk`` (rendered once, the value filled in)."""
    key = get_language()
    html = _checkboxes.get(key)
    if html is None:
        html = _checkboxes[key] = checkbox.render(helpers.ACTION_CHECKBOX_NAME, _MARK)
    return mark_safe(html.replace(_MARK, escape(str(pk))))


_ID = "918273645546372819"  # digits: fits any converter an id's place in a URL has
_urls: dict[tuple[str, str], str] = {}


def admin_url(viewname: str, pk: Any = None) -> str:
    """``reverse(viewname, args=[pk])`` (or without args), each URL pattern reversed once and
    the id filled in: a list column linking every row costs no URL resolving."""
    key = (viewname, get_script_prefix())
    url = _urls.get(key)
    if url is None:
        url = _urls[key] = reverse(viewname, args=[_ID] if pk is not None else [])
    if pk is None:
        return url
    return url.replace(
        _ID, url_quote(quote(str(pk)), safe=RFC3986_SUBDELIMS + "/~:@")
    )  # as reverse


class DeferringChangeList(ChangeList):
    """The theme's changelist, leaving out the columns its admin's ``list_defer`` names."""

    def apply_select_related(self, qs):
        qs = super().apply_select_related(qs)
        defer = getattr(self.model_admin, "list_defer", ())
        return qs.defer(*defer) if defer else qs


unfold_list.result_headers = result_headers_once
unfold_utils._boolean_icon = boolean_icon
