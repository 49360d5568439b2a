from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import services
from catalog.models import Chapter, Episode, Genre, MediaFile, Title
from tests.factories import StaffFactory, TitleFactory, add_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def library():
    movies = []
    for n in range(5):
        movie = TitleFactory(title=f"Movie {n}", genres=["Action", f"G{n}"])
        f = add_file(movie)
        services.subtitle_tracks_set(media_file=f, tracks=[{"stream_index": 2, "lang": "eng"}])
        services.embeds_set(media_file=f, embeds=[{"host": "E", "url": "https://e.example/1"}])
        services.mirrors_set(media_file=f, mirrors=[{"host": "M", "url": "https://m.example/1"}])
        movies.append(movie)
    series = TitleFactory(media_type="series", title="Show")
    for n in range(1, 4):
        ep = services.episode_add(series=series, season=1, number=n, name=f"E{n}")
        add_file(series, episode=ep)
    manga = TitleFactory(media_type="manga", title="Comic")
    for n in range(1, 4):
        services.chapter_add(
            manga=manga,
            number=n,
            backend="local",
            ref=f"c{n}",
            pages=[{"name": "1.jpg", "size": 1, "width": 1, "height": 1}],
        )
    return {"movie": movies[0], "series": series, "manga": manga}


CHANGELISTS = ["title", "mediafile", "episode", "chapter", "genre"]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_have_bounded_queries(
    staff_client, library, model, django_assert_max_num_queries
):
    url = reverse(f"admin:catalog_{model}_changelist")
    with django_assert_max_num_queries(12):
        response = staff_client.get(url)
    assert response.status_code == 200
    # Twice the rows must not cost more queries (no N+1).
    for n in range(5, 10):
        TitleFactory(title=f"More {n}")
    with django_assert_max_num_queries(12):
        assert staff_client.get(url).status_code == 200


def _listed(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 200
    return {t.title for t in response.context["cl"].result_list}


def test_changelist_search_and_filters(staff_client, library):
    url = reverse("admin:catalog_title_changelist")
    assert _listed(staff_client, url, {"q": "show"}) == {"Show"}
    assert _listed(staff_client, url, {"q": library["manga"].short_id}) == {"Comic"}
    assert _listed(staff_client, url, {"media_type__exact": "manga"}) == {"Comic"}
    genre = Genre.objects.get(name="G1")
    assert _listed(staff_client, url, {"genres__id__exact": genre.id}) == {"Movie 1"}
    assert len(_listed(staff_client, url, {"status__exact": "available"})) == 7
    assert len(_listed(staff_client, url, {"year": 2020})) == 7
    assert _listed(staff_client, url, {"year": 1999}) == set()
    assert len(_listed(staff_client, url, {"content_rating__exact": "safe"})) == 7


@pytest.mark.parametrize("kind", ["movie", "series", "manga"])
def test_title_change_forms(staff_client, library, kind, django_assert_max_num_queries):
    title = library[kind]
    with django_assert_max_num_queries(30):
        response = staff_client.get(reverse("admin:catalog_title_change", args=[title.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert title.short_id in body
    assert "&quot;short_id&quot;" in body  # the document, pretty-printed


def test_the_file_lists_filters_read_no_column_of_every_file(staff_client, library):
    """Quality and backend are offered from the known values (the qualities we rank, the
    backends configured), not a DISTINCT over every media file on every page of the list."""
    url = reverse("admin:catalog_mediafile_changelist")
    with CaptureQueriesContext(connection) as queries:
        body = staff_client.get(url).content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"]]
    assert "?quality=1080p" in body and "?backend=local" in body
    filtered = staff_client.get(url, {"quality": "1080p"}).context["cl"].result_list
    assert {f.quality for f in filtered} == {"1080p"}


def test_other_change_forms(staff_client, library, django_assert_max_num_queries):
    objects = {
        "mediafile": MediaFile.objects.filter(episode__isnull=True).first(),
        "episode": Episode.objects.first(),
        "chapter": Chapter.objects.first(),
        "genre": Genre.objects.first(),
    }
    for model, obj in objects.items():
        with django_assert_max_num_queries(25):
            response = staff_client.get(reverse(f"admin:catalog_{model}_change", args=[obj.pk]))
        assert response.status_code == 200, model
    with django_assert_max_num_queries(15):
        assert staff_client.get(reverse("admin:catalog_title_add")).status_code == 200


def test_genre_autocomplete(staff_client, library):
    response = staff_client.get(
        "/admin/autocomplete/",
        {"app_label": "catalog", "model_name": "title", "field_name": "genres", "term": "act"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Action"]


def test_add_title_through_admin_uses_services(staff_client):
    genre = Genre.objects.create(name="Drama", slug="drama")
    response = staff_client.post(
        reverse("admin:catalog_title_add"),
        {
            "media_type": "movie",
            "title": "Amélie",
            "year": 2001,
            "genres": [genre.pk],
            "content_rating": "safe",
            "rating": "7.9",
            "overview": "",
            "tmdb_id": "",
            "series_status": "",
            "read_direction": "",
            "poster": "",
            "backdrop": "",
        },
    )
    assert response.status_code == 302, response.content
    title = Title.objects.get(title="Amélie")
    assert title.clean_title == "amelie" and len(title.short_id) == 7
    assert title.search_text == "amelie drama 2001"
    assert title.document["genres"] == ["Drama"]


def test_invalid_title_form_shows_errors(staff_client):
    TitleFactory(tmdb_id=603)
    response = staff_client.post(
        reverse("admin:catalog_title_add"),
        {
            "media_type": "movie",
            "title": "Dup",
            "tmdb_id": 603,
            "content_rating": "safe",
        },
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    manga = staff_client.post(
        reverse("admin:catalog_title_add"),
        {
            "media_type": "manga",
            "title": "M",
            "tmdb_id": 5,
            "content_rating": "safe",
        },
    )
    assert "Manga titles have no TMDB id" in manga.content.decode()


def test_edit_series_inline_rebuilds_document(staff_client, library):
    series = library["series"]
    episodes = list(series.episodes.all())
    data = {
        "title": "Show Renamed",
        "year": 2020,
        "genres": [],
        "content_rating": "safe",
        "rating": "7.5",
        "overview": "",
        "tmdb_id": "",
        "series_status": "ended",
        "read_direction": "",
        "poster": "",
        "backdrop": "",
        "episodes-TOTAL_FORMS": len(episodes) + 1,
        "episodes-INITIAL_FORMS": len(episodes),
        "episodes-MIN_NUM_FORMS": 0,
        "episodes-MAX_NUM_FORMS": 1000,
        "screenshots-TOTAL_FORMS": 0,
        "screenshots-INITIAL_FORMS": 0,
    }
    for i, ep in enumerate(episodes):
        data.update(
            {
                f"episodes-{i}-id": ep.pk,
                f"episodes-{i}-series": series.pk,
                f"episodes-{i}-season": ep.season,
                f"episodes-{i}-number": ep.number,
                f"episodes-{i}-name": f"Renamed {ep.number}",
                f"episodes-{i}-air_date": "",
            }
        )
    n = len(episodes)
    data.update(
        {
            f"episodes-{n}-series": series.pk,
            f"episodes-{n}-season": 2,
            f"episodes-{n}-number": 1,
            f"episodes-{n}-name": "New season",
            f"episodes-{n}-air_date": datetime.date(2021, 1, 1).isoformat(),
        }
    )
    response = staff_client.post(reverse("admin:catalog_title_change", args=[series.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    series.refresh_from_db()
    assert series.document["title"] == "Show Renamed"
    assert series.document["series_status"] == "ended"
    assert series.document["seasons"]["1"][0]["title"] == "Renamed 1"
    assert series.document["seasons"]["2"][0]["title"] == "New season"


def test_status_actions(staff_client, library):
    ids = [library["movie"].pk, library["series"].pk]
    url = reverse("admin:catalog_title_changelist")
    response = staff_client.post(url, {"action": "mark_repairing", "_selected_action": ids})
    assert response.status_code == 302
    assert set(Title.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"repairing"}
    movie = Title.objects.get(pk=library["movie"].pk)
    assert movie.document["status"] == "repairing"


def test_rebuild_action_small_runs_inline(staff_client, library):
    Title.objects.filter(pk=library["movie"].pk).update(document={}, card={})
    url = reverse("admin:catalog_title_changelist")
    staff_client.post(
        url, {"action": "rebuild_documents", "_selected_action": [library["movie"].pk]}
    )
    assert Title.objects.get(pk=library["movie"].pk).document["short_id"]


def test_file_actions_and_delete_go_through_services(staff_client, library):
    movie = library["movie"]
    f = movie.files.get()
    url = reverse("admin:catalog_mediafile_changelist")
    staff_client.post(url, {"action": "mark_dead", "_selected_action": [f.pk]})
    movie.refresh_from_db()
    assert movie.document["files"] == []
    staff_client.post(reverse("admin:catalog_mediafile_delete", args=[f.pk]), {"post": "yes"})
    assert not MediaFile.objects.filter(pk=f.pk).exists()


def test_delete_title_keeps_short_id_issued(staff_client, library):
    from catalog.models import IssuedShortId

    movie = library["movie"]
    staff_client.post(reverse("admin:catalog_title_delete", args=[movie.pk]), {"post": "yes"})
    assert not Title.objects.filter(pk=movie.pk).exists()
    assert IssuedShortId.objects.filter(short_id=movie.short_id).exists()


def test_screenshots_and_poster_shown_as_thumbnails(staff_client, library):
    movie = library["movie"]
    vault_ref = "ab" * 32  # a local vault ref (the object's SHA-256)
    services.screenshot_add(title=movie, ref=vault_ref, position=50)
    services.title_update(title=movie, data={"poster": "https://img.example/p.jpg"})
    body = staff_client.get(reverse("admin:catalog_title_change", args=[movie.pk])).content
    body = body.decode()
    assert f'<img src="/api/img/{vault_ref}"' in body
    assert '<img src="https://img.example/p.jpg"' in body
