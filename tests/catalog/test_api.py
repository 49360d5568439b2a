from __future__ import annotations

import pytest
from django.core.cache import cache

from catalog import services
from catalog.models import TitleStatus
from catalog.services import title_cache_key
from tests.factories import TitleFactory, add_file

pytestmark = pytest.mark.django_db


def _error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


def test_list_returns_cards_with_qualities(client, django_assert_max_num_queries):
    movie = TitleFactory(title="The Matrix", genres=["Action", "Science Fiction"], year=1999)
    add_file(movie, quality="1080p")
    add_file(movie, quality="2160p")
    for _ in range(30):
        TitleFactory()
    with django_assert_max_num_queries(2):  # count + page, whatever the page size
        response = client.get("/api/titles/", {"page_size": 50})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 31
    card = next(c for c in body["results"] if c["short_id"] == movie.short_id)
    assert card == {
        "short_id": movie.short_id,
        "title": "The Matrix",
        "year": 1999,
        "media_type": "movie",
        "poster": None,
        "rating": 7.5,
        "genres": ["Action", "Science Fiction"],
        "content_rating": "safe",
        "status": "available",
        "qualities": ["2160p", "1080p"],
    }


def test_list_filters(client):
    a = TitleFactory(media_type="series", genres=["Drama"], year=2011, content_rating="18+")
    TitleFactory(media_type="movie", genres=["Drama"], year=2011)
    TitleFactory(media_type="series", genres=["Comedy"], year=2011)
    TitleFactory(media_type="series", genres=["Drama"], year=2012, status="processing")
    got = client.get(
        "/api/titles/",
        {"media_type": "series", "genre": "drama", "year": 2011, "content_rating": "18+"},
    ).json()
    assert [c["short_id"] for c in got["results"]] == [a.short_id]
    processing = client.get("/api/titles/", {"status": "processing"}).json()
    assert processing["count"] == 1


def test_banned_titles_never_listed_or_shown(client):
    visible = TitleFactory()
    banned = TitleFactory()
    cached = client.get(f"/api/titles/{banned.short_id}/")
    assert cached.status_code == 200
    services.title_set_status(title=banned, status=TitleStatus.BANNED)
    listed = [c["short_id"] for c in client.get("/api/titles/").json()["results"]]
    assert listed == [visible.short_id]
    _error(client.get(f"/api/titles/{banned.short_id}/"), 404)
    _error(client.get("/api/titles/", {"status": "banned"}), 400)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "99999"}, "year"),
        ({"media_type": "podcast"}, "media_type"),
        ({"content_rating": "pg"}, "content_rating"),
        ({"page": "x"}, "page"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"page_size": "-1"}, "page_size"),
        ({"ordering": "title"}, "ordering"),
        ({"ordering": ","}, "ordering"),
        ({"search": "x" * 201}, "search"),
    ],
)
def test_bad_values_are_400_with_field_errors(client, params, field):
    TitleFactory()
    error = _error(client.get("/api/titles/", params), 400)
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_a_page_past_the_last_is_404(client):
    response = client.get("/api/titles/", {"page": "7"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_ordering(client):
    low = TitleFactory(rating=5, year=2000)
    high = TitleFactory(rating=9, year=1990)
    none = TitleFactory(rating=None, year=2010)

    def ids(ordering: str) -> list[str]:
        body = client.get("/api/titles/", {"ordering": ordering}).json()
        return [c["short_id"] for c in body["results"]]

    assert ids("-rating") == [high.short_id, low.short_id, none.short_id]  # nulls last
    assert ids("rating") == [low.short_id, high.short_id, none.short_id]
    assert ids("year") == [high.short_id, low.short_id, none.short_id]
    assert ids("-created") == [none.short_id, high.short_id, low.short_id]
    assert ids("-year,rating")[0] == none.short_id


def test_detail_is_one_query_then_cached(client, django_assert_num_queries):
    movie = TitleFactory(title="Avengers: Endgame")
    add_file(movie)
    cache.clear()
    with django_assert_num_queries(1):
        first = client.get(f"/api/titles/{movie.short_id}/")
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    assert first.json() == movie.document
    with django_assert_num_queries(0):
        second = client.get(f"/api/titles/{movie.short_id}/")
    assert second.content == first.content
    assert cache.get(title_cache_key(movie.short_id))[0] == first.content


def test_detail_unknown_and_malformed_ids(client, django_assert_num_queries):
    _error(client.get("/api/titles/Zz9Zz9Z/"), 404)
    with django_assert_num_queries(0):
        assert _error(client.get("/api/titles/not-an-id/"), 404)["code"] == "not_found"


def test_unknown_api_path_is_json_404(client):
    assert _error(client.get("/api/nothing-here/"), 404)["code"] == "not_found"


def test_genres(client, django_assert_max_num_queries):
    TitleFactory(genres=["Drama", "Science Fiction"])
    with django_assert_max_num_queries(2):
        body = client.get("/api/genres/").json()
    assert body["results"] == [
        {"slug": "drama", "name": "Drama"},
        {"slug": "science-fiction", "name": "Science Fiction"},
    ]


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert {"/api/titles/", "/api/titles/{short_id}/", "/api/genres/"} <= set(body["paths"])
    params = {p["name"] for p in body["paths"]["/api/titles/"]["get"]["parameters"]}
    assert {"media_type", "genre", "year", "content_rating", "search", "ordering", "page"} <= params
    assert client.get("/api/docs/").status_code == 200


def test_detail_costs_one_query_for_signed_in_visitors_too(client, django_assert_num_queries):
    from tests.factories import UserFactory

    movie = TitleFactory()
    client.force_login(UserFactory())
    cache.clear()
    with django_assert_num_queries(1):
        assert client.get(f"/api/titles/{movie.short_id}/").status_code == 200
