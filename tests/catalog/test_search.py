from __future__ import annotations

import pytest

from catalog.models import Title
from catalog.selectors import title_search
from tests.factories import TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    for name, year, genres in [
        ("Avengers: Endgame", 2019, ["Action", "Science Fiction"]),
        ("Avengers: Infinity War", 2018, ["Action"]),
        ("The Avenger", 1962, ["Drama"]),
        ("Spirited Away", 2001, ["Animation"]),
        ("End of Watch", 2012, ["Crime"]),
        ("Game of Thrones", 2011, ["Drama", "Fantasy"]),
    ]:
        TitleFactory(title=name, year=year, genres=genres)


def _search(client, q):
    response = client.get("/api/titles/", {"search": q})
    assert response.status_code == 200
    return [c["title"] for c in response.json()["results"]]


def test_typo_tolerant_and_ranked(postgres, library, client):
    assert _search(client, "avngers endgme")[0] == "Avengers: Endgame"
    assert _search(client, "spirted awy") == ["Spirited Away"]
    assert _search(client, "game of throne")[0] == "Game of Thrones"


def test_full_text_on_title_genres_and_year(postgres, library, client):
    assert _search(client, "Avengers Endgame")[0] == "Avengers: Endgame"
    assert set(_search(client, "fantasy")) == {"Game of Thrones"}
    assert _search(client, "2001") == ["Spirited Away"]
    assert set(_search(client, "AVENGERS")[:2]) == {"Avengers: Infinity War", "Avengers: Endgame"}


def test_search_combines_with_filters_and_hides_banned(postgres, library, client):
    from catalog import services

    endgame = Title.objects.get(title="Avengers: Endgame")
    services.title_set_status(title=endgame, status="banned")
    assert "Avengers: Endgame" not in _search(client, "avengers endgame")
    got = client.get("/api/titles/", {"search": "avengers", "year": 2018}).json()["results"]
    assert [c["title"] for c in got] == ["Avengers: Infinity War"]


def test_search_uses_the_indexes(postgres, library):
    from django.db import connection

    qs = title_search(Title.objects.all(), "avngers endgme")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "title_clean_trgm_idx" in plan and "title_search_fts_idx" in plan, plan


def test_empty_query_is_no_filter(library):
    assert title_search(Title.objects.all(), " :: ").count() == 6


def test_sqlite_fallback_matches_every_word(library, monkeypatch):
    from catalog import selectors

    monkeypatch.setattr(selectors.connection, "vendor", "sqlite")
    found = title_search(Title.objects.all(), "Avengers: 2019")
    assert [t.title for t in found] == ["Avengers: Endgame"]
