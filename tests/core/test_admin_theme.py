"""The theme's per-row work done once (``core.admin_theme``): each stand-in gives exactly what
the theme's own function gives, and a list's query leaves out the related columns it never
shows."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from unfold.admin import checkbox

from core import admin_theme
from tests.community.factories import comment_on
from tests.factories import TitleFactory


@pytest.mark.parametrize("value", [True, False, None, "", 1, 0])
def test_the_boolean_icon_is_the_themes(value):
    for language in ("en", "de"):
        with translation.override(language):
            assert admin_theme.boolean_icon(value) == admin_theme._boolean_icon(value)


@pytest.mark.parametrize("pk", [7, 'a&b"<c>'])
def test_the_row_checkbox_is_the_themes(pk):
    assert admin_theme.row_checkbox(pk) == checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(pk))


@pytest.mark.parametrize("pk", [None, 7, 123456789012, "a/b c"])
def test_an_admin_link_is_what_reverse_gives(pk):
    if pk is None:
        expected = reverse("admin:medic_report_changelist")
        assert admin_theme.admin_url("admin:medic_report_changelist") == expected
        return
    expected = reverse("admin:catalog_title_change", args=[quote(str(pk))])
    assert admin_theme.admin_url("admin:catalog_title_change", pk) == expected


@pytest.mark.django_db
def test_a_list_builds_its_headers_once_and_leaves_out_what_it_never_shows(
    admin_client, monkeypatch
):
    built = []
    original = admin_theme._result_headers

    def counting(cl):
        built.append(cl)
        return original(cl)

    monkeypatch.setattr(admin_theme, "_result_headers", counting)
    for n in range(3):
        comment_on(TitleFactory(), body=f"comment {n}")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/community/comment/")
    assert response.status_code == 200
    assert response.content.count(b'name="_selected_action"') == 3
    assert len(built) == 1  # not once more for every row
    listed = [q["sql"] for q in queries if q["sql"].startswith('SELECT "community_comment"."id"')]
    assert listed and all('"catalog_title"."title"' in sql for sql in listed)
    assert not any('"catalog_title"."document"' in sql for sql in listed)
